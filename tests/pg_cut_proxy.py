"""A TCP proxy in front of the test PostgreSQL server that can lose the
connection at the worst moment: after the server has committed, before its
answer to COMMIT reaches the client."""

from __future__ import annotations

import socket
import threading
import time


class CutAfterCommit:
    """refuse_for: after the cut, new connections are closed at once for that
    many seconds (the server looks gone), so nobody can ask what happened."""

    def __init__(self, port: int, refuse_for: float = 0.0):
        self.target = ("127.0.0.1", port)
        self.refuse_for = refuse_for
        self.refuse_until = 0.0
        self.refused = 0  # connections turned away
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()  # the next COMMIT's answer is not passed on
        self.cut = threading.Event()  # set once it was not
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, pg_url: str) -> str:
        host, rest = pg_url.rsplit("@", 1)
        return f"{host}@127.0.0.1:{self.port}/{rest.split('/', 1)[1]}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.refuse_until:
                self.refused += 1
                _close(client)
                continue
            server = socket.create_connection(self.target)
            state = {"commit_sent": False}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, client, server, state) -> None:
        while data := _recv(client):
            if self.armed.is_set() and b"COMMIT" in data:
                state["commit_sent"] = True
            if not _send(server, data):
                break
        _close(server)

    def _down(self, server, client, state) -> None:
        while data := _recv(server):
            if state["commit_sent"]:  # the server answered COMMIT: committed
                self.armed.clear()
                self.refuse_until = time.monotonic() + self.refuse_for
                self.cut.set()  # before the client can see the cut and look
                _close(client)
                _close(server)
                return
            if not _send(client, data):
                break
        _close(client)

    def close(self) -> None:
        _close(self.listener)


def _recv(sock) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _close(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
