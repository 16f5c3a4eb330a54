"""A delaying TCP proxy on loopback: a database "far away", for the latency figures.

`DelayProxy(target_port, rtt)` listens on 127.0.0.1:0 and forwards every
connection to 127.0.0.1:target_port, adding half the round trip in each
direction. Each chunk read is scheduled for arrival + delay and written by a
sender thread of its own direction, in order, so the two directions never wait
on each other and a stream of chunks is delayed once, not once per chunk.

It also counts round trips from the client's side of each connection: a
turnaround is each time the client has sent something and the server then
answers (pipelined messages sent before the answer count once). The client
stream is split into PostgreSQL protocol messages, so every turnaround names
what the client sent in it ('P' parse with the statement, 'B' bind, 'E'
execute, 'S' sync, 'Q' simple query...). Unsolicited server traffic (a NOTIFY
to a listener) is not a turnaround.

Run as a process it is driven over stdin/stdout, one command a line:
`python -m bench.delay_proxy TARGET_PORT RTT_MS` prints `port N`; then
`mark NAME` starts a new segment (the turnarounds after it are counted under
NAME), `dump` prints the segments as one JSON line, `quit` stops."""

from __future__ import annotations

import itertools
import json
import socket
import struct
import sys
import threading
import time
from collections import deque

monotonic = time.monotonic
CHUNK = 65536
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


class _Turn:
    """What the client sent before the server answered."""

    __slots__ = ("conn", "messages", "segment", "at")

    def __init__(self, conn: int, segment: str, at: float):
        self.conn = conn
        self.segment = segment
        self.at = at
        self.messages: list[str] = []


class _ClientParser:
    """Splits the client's byte stream into protocol messages (type and, for
    parse and simple query, the statement's first words)."""

    def __init__(self):
        self.buf = bytearray()
        self.startup = True  # untyped messages until the StartupMessage
        self.prepared: dict[bytes, str] = {}  # statement name -> its SQL

    def feed(self, data: bytes) -> list[str]:
        self.buf += data
        out: list[str] = []
        while True:
            if self.startup:
                if len(self.buf) < 8:
                    return out
                (length,) = struct.unpack("!I", self.buf[:4])
                if len(self.buf) < length:
                    return out
                (code,) = struct.unpack("!I", self.buf[4:8])
                if code == SSL_REQUEST:
                    out.append("SSLRequest")
                elif code == GSSENC_REQUEST:
                    out.append("GSSENCRequest")
                elif code == CANCEL_REQUEST:
                    out.append("CancelRequest")
                else:
                    out.append("Startup")
                    self.startup = False
                del self.buf[:length]
                continue
            if len(self.buf) < 5:
                return out
            kind = chr(self.buf[0])
            (length,) = struct.unpack("!I", self.buf[1:5])
            if len(self.buf) < 1 + length:
                return out
            body = bytes(self.buf[5 : 1 + length])
            del self.buf[: 1 + length]
            out.append(self._describe(kind, body))

    def _describe(self, kind: str, body: bytes) -> str:
        if kind == "Q":
            return "Q " + _sql(body)
        if kind == "P":
            name, _, rest = body.partition(b"\0")
            sql = _sql(rest)
            if name:  # a named statement: its binds name it from now on
                self.prepared[name] = sql
            return "P " + sql
        if kind == "B":
            _portal, statement = body.split(b"\0", 2)[:2]
            if statement in self.prepared:
                return "B " + self.prepared[statement]
        return kind


def _sql(body: bytes) -> str:
    text = body.split(b"\0", 1)[0].decode("utf-8", "replace")
    return " ".join(text.split())[:70]


class _Pipe:
    """One direction of one connection: a reader stamps each chunk, a sender
    writes it at arrival + delay."""

    def __init__(
        self, proxy: DelayProxy, src: socket.socket, dst: socket.socket, on_chunk, answers: bool
    ):
        self.proxy = proxy
        self.src, self.dst = src, dst
        self.on_chunk = on_chunk
        self.answers = answers  # the server's side: held while the proxy holds answers
        self.queue: deque[tuple[float, bytes]] = deque()
        self.cond = threading.Condition()
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._send, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                data = self.src.recv(CHUNK)
                if not data:
                    break
                now = monotonic()
                self.on_chunk(data, now)
                with self.cond:
                    self.queue.append((now + self.proxy.delay, data))
                    self.cond.notify()
        except OSError:
            pass
        with self.cond:
            self.closed = True
            self.cond.notify()

    def _send(self) -> None:
        try:
            while True:
                with self.cond:
                    self.cond.wait_for(lambda: self.queue or self.closed)
                    if not self.queue:
                        break
                    due, data = self.queue.popleft()
                wait = due - monotonic()
                if wait > 0:
                    time.sleep(wait)
                if self.answers:
                    self.proxy.answers_flow.wait()
                self.dst.sendall(data)
        except OSError:
            pass
        for sock in (self.dst, self.src):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class DelayProxy:
    def __init__(self, target_port: int, rtt: float, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.delay = rtt / 2
        self.rtt = rtt
        self.lock = threading.Lock()
        self.turns: list[_Turn] = []
        self.segment = "start"
        self.segments: list[tuple[str, float]] = [("start", monotonic())]
        self._ids = itertools.count(1)
        self.answers_flow = threading.Event()  # cleared: the server's answers wait (hold)
        self.answers_flow.set()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connect(next(self._ids), client, server)

    def _connect(self, conn: int, client: socket.socket, server: socket.socket) -> None:
        parser = _ClientParser()
        state = {"turn": None}  # the client's turn not yet answered

        def from_client(data: bytes, now: float) -> None:
            messages = parser.feed(data)
            with self.lock:
                turn = state["turn"]
                if turn is None:
                    turn = state["turn"] = _Turn(conn, self.segment, now)
                turn.messages += messages

        def from_server(data: bytes, now: float) -> None:
            with self.lock:
                turn, state["turn"] = state["turn"], None
                if turn is not None:  # an answer: one round trip
                    self.turns.append(turn)

        _Pipe(self, client, server, from_client, answers=False).start()
        _Pipe(self, server, client, from_server, answers=True).start()

    def hold(self) -> None:
        """Keep the server's answers (the server still gets and does what is
        sent) until release(): a write stays in flight for as long as a test
        needs to look at the screen meanwhile."""
        self.answers_flow.clear()

    def release(self) -> None:
        self.answers_flow.set()

    # ----------------------------------------------------------- control
    def mark(self, name: str) -> None:
        with self.lock:
            self.segment = name
            self.segments.append((name, monotonic()))

    def counts(self) -> dict[str, dict]:
        """Per segment: the round trips, per connection, and what each one sent."""
        out: dict[str, dict] = {}
        with self.lock:
            turns = list(self.turns)
        for turn in turns:
            seg = out.setdefault(turn.segment, {"round_trips": 0, "connections": {}, "turns": []})
            seg["round_trips"] += 1
            key = str(turn.conn)
            seg["connections"][key] = seg["connections"].get(key, 0) + 1
            seg["turns"].append({"conn": turn.conn, "sent": turn.messages})
        return out

    def close(self) -> None:
        self.answers_flow.set()
        try:
            self.listener.close()
        except OSError:
            pass


def summarise(turns: list[dict]) -> list[str]:
    """One line per round trip: the statements sent in it (the types of the
    extended-protocol messages around them shortened away)."""
    lines = []
    for turn in turns:
        parts = []
        named = False
        for message in turn["sent"]:
            if message.startswith(("P ", "Q ")) or (message.startswith("B ") and not named):
                parts.append(message[2:])
                named = message[0] == "P"  # the bind after a parse names the same statement
            elif message.startswith("B "):
                named = False
            elif message in ("SSLRequest", "GSSENCRequest", "Startup", "p"):
                parts.append({"p": "password"}.get(message, message))
        kinds = "".join(m[0] for m in turn["sent"] if len(m) == 1 or m[1] == " ")
        lines.append(f"c{turn['conn']} [{kinds}] " + (" ; ".join(parts) or "(unnamed)"))
    return lines


def main(argv: list[str]) -> int:
    proxy = DelayProxy(int(argv[1]), float(argv[2]) / 1000)
    print(f"port {proxy.port}", flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "mark":
            proxy.mark(arg)
            print("ok", flush=True)
        elif command == "dump":
            print(json.dumps(proxy.counts()), flush=True)
        elif command == "quit":
            break
    proxy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
