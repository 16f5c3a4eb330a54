"""Real-terminal tier: the TUI in tmux, every byte it writes piped to a file.

Hostile titles, notes, names and policy text are opened in every view that
shows user text (header, panels, draft editor, correction dialog, toasts, help,
palette, retro whys); none of the injected sequences may reach the terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rel_support import run_cli, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

# Each payload is what an attacker would type; each marker is its raw form on the wire.
PAYLOADS = {
    "osc52 st": ("\x1b]52;c;T1NDNTJTVA==\x1b\\", b"\x1b]52;c;T1NDNTJTVA"),
    "osc52 bel": ("\x1b]52;c;T1NDNTJCRUw=\x07", b"\x1b]52;c;T1NDNTJCRUw"),
    "osc8 link": ("\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", b"\x1b]8;;http://evil"),
    "osc0 title": ("\x1b]0;PWNEDTITLE\x07", b"\x1b]0;PWNEDTITLE"),
    "csi clear": ("\x1b[2J\x1b[3J", b"\x1b[3J"),
    "sgr": ("\x1b[5;31;47mBLINKRED", b"\x1b[5;31;47m"),
    "dsr": ("\x1b[6n", b"\x1b[6n"),
    "dcs": ("\x1bP+q544e\x1b\\", b"\x1bP+q544e"),
    "c1 csi": ("\x9b31mC1RED", "\x9b".encode()),
    "bidi": ("\u202eRLO\u202c", "\u202e".encode()),
    "zero width": ("zw\u200bsp", "\u200b".encode()),
    "separator": ("ls\u2028sep", "\u2028".encode()),
}
HOSTILE = " ".join(text for text, _ in PAYLOADS.values())
TITLE = ("T " + HOSTILE)[:200]
POLICY = """
stages = ["Detect", "[@click=app.quit]Respond[/]", "Recover"]
categories = ["[link=http://evil.example]perf[/link]", "regression"]
"""


class Terminal:
    """One tmux server of our own (its own socket), one 120x36 window."""

    def __init__(self, name: str, log: Path):
        self.socket = name
        self.log = log

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return done.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        line = " ".join(_quote(a) for a in command)
        exports = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        # default-size too: without a client, tmux may start the pane at 80x24.
        self.tmux(
            "-f",
            "/dev/null",
            "start-server",
            ";",
            "set",
            "-g",
            "default-size",
            "120x36",
            ";",
            "new-session",
            "-d",
            "-s",
            "w",
            "-x",
            "120",
            "-y",
            "36",
            f"env -i {exports} {line}",
        )
        self.tmux("set-option", "-t", "w", "remain-on-exit", "on")
        self.tmux("pipe-pane", "-o", "-t", "w", f"cat >> {_quote(str(self.log))}")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "w")

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Until the screen shows text (polling what the terminal holds)."""
        return self.wait_for_any(text, timeout=timeout)

    def wait_for_any(self, *texts: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if any(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"never showed {texts!r}; screen:\n{shown}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "w", *keys)

    def escape(self, until_gone: str, timeout: float = 60) -> None:
        """Escape, then wait until the view it closes is gone: a key sent while
        an escape is still pending would reach the app as one alt+key."""
        deadline = time.monotonic() + timeout
        while until_gone in self.screen():  # one escape per check: a field may go first
            if time.monotonic() > deadline:
                raise AssertionError(f"escape did not close {until_gone!r}")
            self.keys("Escape")
            for _ in range(10):
                if until_gone not in self.screen():
                    return
                time.sleep(0.1)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "w", "-l", text)

    def stop(self) -> None:
        self.tmux("kill-server")


def _alice_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for alice's warroom: her own config, data and home."""
    return {
        "TERM": "xterm-256color",
        "TZ": "UTC",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "WARROOM_USER": "alice",
        "PATH": user_env()["PATH"],
    }


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.fixture
def terminal(tmp_path):
    term = Terminal(f"warroom-hostile-{os.getpid()}-{tmp_path.name}", tmp_path / "bytes.out")
    yield term
    term.stop()


def test_no_injected_sequence_reaches_the_terminal(tmp_path, terminal):
    db = tmp_path / "warroom.db"
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    base = ("--db", str(db), "--policy", str(policy))
    declared = run_cli(*base, "declare", TITLE, "--priority", "P2")
    assert declared.code == 0, declared.err
    incident = declared.out.strip()
    for args in (
        ["note", incident, f"note {HOSTILE}", "--kind", "evidence"],
        ["assign", incident, "Responder", "eve\u202elam\u200bx"],
        ["stage", incident, "[@click"],
        ["title", incident, "--public", TITLE],  # the templates name the public title
    ):
        done = run_cli(*base, *args)
        assert done.code == 0, (args, done.err)

    env = _alice_env(tmp_path)
    terminal.start([sys.executable, "-m", "warroom", *base], env)
    terminal.wait_for("4 Responder notes")  # header, all five panels: the war room is up

    terminal.keys("4", "End", "Enter")  # correct the last note: pre-filled with it
    terminal.wait_for("Correct entry")
    terminal.escape(until_gone="Correct entry")
    terminal.keys("?")
    terminal.wait_for("esc Close help")
    terminal.escape(until_gone="esc Close help")
    terminal.keys("C-p")
    terminal.wait_for("Act as someone else")
    terminal.type("Assign")
    terminal.wait_for("Assign Lead")
    terminal.escape(until_gone="Assign Lead")
    terminal.keys("i")
    terminal.wait_for("Act as (now")
    terminal.type("[link=http://evil.example]L[/link]")
    terminal.keys("Enter")
    terminal.wait_for("Now acting as")
    terminal.keys("R")
    terminal.wait_for("Five whys")
    terminal.keys("2")
    terminal.wait_for("Why did this happen")
    terminal.escape(until_gone="Five whys")
    terminal.keys("5")  # last, the draft panel and a template that holds the title
    terminal.keys("C-t")
    terminal.wait_for("Start the draft from")
    # The draft holds the declared template, unedited (the title's line
    # separator stays in its line): replaced without a question.
    terminal.keys("Enter")
    # The template's title in the editor: the second payload starts a wrapped line there.
    terminal.wait_for("│␛]52;c;T1NDNTJCRUw=␇")
    shown = terminal.screen()

    raw = terminal.log.read_bytes()
    assert len(raw) > 10_000, "the pipe caught too little to mean anything"
    found = [name for name, (_, marker) in PAYLOADS.items() if marker in raw]
    assert not found, f"raw sequences reached the terminal: {found}"
    assert "␛]52;c;".encode() in raw  # the payloads were on screen, as placeholders
    assert "[@click=app.quit]Respond[/]" in raw.decode("utf-8", "replace")  # policy, literally
    assert "Triage checklist" in shown and "␛]52;c;T1NDNTJTVA" in shown
    assert "[link=http://evil.example]L[/link]" in raw.decode("utf-8", "replace")


def test_the_first_frame_written_holds_the_title(tmp_path, terminal):
    """The war room is painted whole in the first frame that draws it, header
    and title included (a frame painted while Textual was still starting was
    thrown away, and the title came a frame later, with whatever next
    repainted the header). Before it, while the database worker reads the
    room, the terminal may show the one loading line and nothing of the room."""
    db = tmp_path / "warroom.db"
    declared = run_cli("--db", str(db), "declare", "Payments stalled in eu-west", "-p", "P1")
    assert declared.code == 0, declared.err
    env = _alice_env(tmp_path)
    terminal.start([sys.executable, "-m", "warroom", "--db", str(db)], env)
    terminal.wait_for("4 Responder notes")
    raw = terminal.log.read_bytes()
    title = raw.find(b"Payments stalled in eu-west")
    room = raw.find(b"Triage checklist")  # the first panel's title: the room is being drawn
    assert 0 <= title < room, raw[:400]
    before = raw[:title]
    if b"\x1b[2;1H" in before:  # a frame came first: the loading line alone
        assert b"loading" in before and b"Responder notes" not in before, before[-400:]


def test_the_room_comes_in_one_frame_and_keys_sent_then_land(tmp_path, terminal):
    """The war room is written whole in one frame: the header (title,
    priority, the most urgent clock) and the panels together. Keys sent the
    moment the title shows land once each: here a whole note and its Enter."""
    db = tmp_path / "warroom.db"
    declared = run_cli("--db", str(db), "declare", "Payments stalled in eu-west", "-p", "P1")
    assert declared.code == 0, declared.err
    terminal.start([sys.executable, "-m", "warroom", "--db", str(db)], _alice_env(tmp_path))
    deadline = time.monotonic() + 60
    while not terminal.log.exists() or b"Payments stalled" not in terminal.log.read_bytes():
        assert time.monotonic() < deadline, terminal.screen()
        time.sleep(0.005)
    terminal.keys("n")
    terminal.type("sent as the title showed")
    terminal.keys("Enter")
    terminal.wait_for("sent as the title showed")
    raw = terminal.log.read_bytes()
    title = raw.find(b"Payments stalled in eu-west")
    # The panels' text is in the title's frame (before it reaches the last row, 36).
    last_row = raw.find(b"\x1b[36;1H", title)
    assert 0 <= title < raw.find(b"Triage checklist") < last_row, raw[:400]
    deadline = time.monotonic() + 60
    while True:  # the note is written as Enter is handled: wait for the store
        shown = run_cli("--db", str(db), "timeline", "1")
        if "sent as the title showed" in shown.out or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert shown.code == 0, shown.err
    assert shown.out.count("sent as the title showed") == 1, shown.out


def test_the_war_rooms_first_frame_is_whole(tmp_path, terminal):
    """The note input's hint (the longest that fits) is in the war room's
    first frame, and so are the clocks' keys: both were worked out on the
    first resize, which comes after that frame, and a second repaint drew
    them (the shortest hint first). Every byte the app writes is read here."""
    from warroom.tui.widgets.timeline import NoteInput

    db = tmp_path / "warroom.db"
    declared = run_cli("--db", str(db), "declare", "Checkout down", "--priority", "P1")
    assert declared.code == 0, declared.err
    terminal.start([sys.executable, "-m", "warroom", "--db", str(db)], _alice_env(tmp_path))
    shown = terminal.wait_for("Draft update")
    hint = max((h for h in NoteInput.HINTS if h in shown), key=len)  # the one that fits
    assert hint != NoteInput.HINTS[-1]  # at 120 columns a longer one fits
    time.sleep(0.5)  # the frames after the first are written too
    raw = terminal.log.read_bytes().decode("utf-8", "replace")
    starts = [i for i in range(len(raw)) if raw.startswith(hint[:10], i)]
    assert starts and all(raw.startswith(hint, i) for i in starts)  # no other hint, ever
