"""Typing into the real program in a real terminal (tmux), checked against the store.

Bursts are sent in one `tmux send-keys`, as a paste or a fast typist over SSH
delivers them. Marked `terminal`; skipped where tmux is missing."""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from warroom.core.model import utcnow
from warroom.core.policy import default_policy
from warroom.core.text import MAX_DRAFT
from warroom.store import Store

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

# The machine may be loaded: generous deadlines, checked often.
DEADLINE = float(os.environ.get("DL", "60"))
SOAK_SECONDS = float(os.environ.get("WARROOM_SOAK_SECONDS", "5"))


class Terminal:
    """One warroom in its own tmux session (the name says whose it is)."""

    def __init__(self, db: Path, who: str, tmp: Path, *args: str, **extra_env: str):
        self.name = f"warroom-nothing-lost-{who}-{uuid.uuid4().hex[:8]}"
        # A tmux server of its own: other suites' sessions never meet these.
        self.tmux = ["tmux", "-L", self.name]
        # A clean environment, as a user's shell has (the test runner's own
        # settings are not the program's business).
        env = {
            "WARROOM_USER": who,
            "XDG_CONFIG_HOME": str(tmp / f"config-{who}"),
            "XDG_DATA_HOME": str(tmp / f"data-{who}"),
            "TZ": "UTC",
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "LANG": "C.UTF-8",
            **extra_env,
        }
        command = " ".join(
            [
                "env",
                "-i",
                *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                shlex.quote(sys.executable),
                "-m",
                "warroom",
                "--db",
                shlex.quote(str(db)),
                *map(shlex.quote, args),
            ]
        )
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.name, "-x", "120", "-y", "36", command],
            check=True,
        )
        # A program that fails to start leaves its last words on screen.
        subprocess.run([*self.tmux, "set-option", "-t", self.name, "remain-on-exit", "on"])

    def screen(self) -> str:
        done = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return done.stdout or done.stderr

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def text(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)

    def paste(self, text: str) -> None:
        """A bracketed paste, as a terminal delivers one (tmux paste-buffer -p)."""
        subprocess.run([*self.tmux, "set-buffer", "-b", "pasted", text], check=True)
        subprocess.run(
            [*self.tmux, "paste-buffer", "-p", "-d", "-b", "pasted", "-t", self.name], check=True
        )

    def client(self) -> Callable[..., None]:
        """send-keys through a tmux client attached to the program's session, so
        tmux reads them as typed (its escape-time joins escape and the next key)."""
        name = f"{self.name}-client"
        attach = f"TMUX= tmux -L {shlex.quote(self.name)} attach -t {shlex.quote(self.name)}"
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", name, "-x", "120", "-y", "36", attach],
            check=True,
        )
        wait_until(
            lambda: "1 clients" in self._clients() or "(attached)" in self._clients(),
            "the client attached",
        )

        def send(*keys: str) -> None:
            subprocess.run([*self.tmux, "send-keys", "-t", name, *keys], check=True)

        return send

    def _clients(self) -> str:
        return subprocess.run([*self.tmux, "list-sessions"], capture_output=True, text=True).stdout

    def wait_for_screen(self, words: str) -> None:
        wait_until(lambda: words in self.screen(), f"{words!r} on screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
        socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (socket_dir / self.name).unlink(missing_ok=True)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def terminal(seeded, tmp_path):
    db, incident = seeded
    opened: list[Terminal] = []

    def _open(who: str = "alice") -> Terminal:
        term = Terminal(db, who, tmp_path)
        opened.append(term)
        term.wait_for_screen("Checkout is failing")
        return term

    yield _open
    for term in opened:
        term.close()


def _reader(db: Path) -> Store:
    return Store.open(db, default_policy(), "checker", utcnow)


def _notes(db: Path, incident: int) -> list[str]:
    store = _reader(db)
    try:
        return [e.text for e in store.timeline(incident) if e.kind == "note"]
    finally:
        store.close()


def test_two_notes_in_one_burst_are_two_notes(seeded, terminal):
    db, incident = seeded
    term = terminal()
    term.keys("4", "n", "whole note one", "Enter", "second note, fast", "Enter")
    wait_until(lambda: len(_notes(db, incident)) >= 2, "two notes in the store")
    assert _notes(db, incident) == ["whole note one", "second note, fast"]


def test_draft_typed_word_by_word_while_saves_complete(seeded, terminal):
    db, incident = seeded
    term = terminal()
    term.keys("5")
    term.wait_for_screen("next update")
    term.keys("C-a")  # to the start of the template: typed words go first
    words = [f"w{n:02d}" for n in range(16)]
    rhythm = random.Random(11)
    for word in words:
        term.text(word + " ")
        time.sleep(rhythm.uniform(0.2, 0.45))  # the rhythm is the test: saves land in between
    expected = " ".join(words) + " "

    def saved() -> bool:
        store = _reader(db)
        try:
            return store.draft(incident).text.startswith(expected)
        finally:
            store.close()

    wait_until(saved, "every word, in order, at the start of the stored draft")


def test_action_item_form_in_one_burst(seeded, terminal):
    db, incident = seeded
    term = terminal()
    term.keys("R")
    term.wait_for_screen("Action items")
    term.keys("4", "a", "Add a canary stage", "Tab", "bob", "Tab", "2026-12-05", "Tab")
    term.keys("OPS-42", "Enter")

    def stored():
        store = _reader(db)
        try:
            return [(i.title, i.owner, str(i.due), i.ticket) for i in store.action_items(incident)]
        finally:
            store.close()

    wait_until(lambda: stored() != [], "the action item in the store")
    assert stored() == [("Add a canary stage", "bob", "2026-12-05", "OPS-42")]


def test_soak_two_people_typing_the_draft_lose_no_word(seeded, terminal):
    """Every word either typed is in the draft or its history; the draft stays
    under its limit. WARROOM_SOAK_SECONDS=60 for the long run."""
    db, incident = seeded
    people = {"ann": terminal("ann"), "ben": terminal("ben")}
    for term in people.values():
        term.keys("5")
        term.wait_for_screen("next update")
        term.keys("C-a")
    typed: dict[str, list[str]] = {who: [] for who in people}
    rhythm = random.Random(7)
    end = time.monotonic() + SOAK_SECONDS
    n = 0
    while time.monotonic() < end:
        for who, term in people.items():
            word = f"{who}{n:04d}"
            term.text(word + " ")
            typed[who].append(word)
        n += 1
        time.sleep(rhythm.uniform(0.05, 0.3))
    words = [w for ws in typed.values() for w in ws]

    def everything_kept() -> bool:
        store = _reader(db)
        try:
            versions = [v.text for v in store.draft_history(incident)]
            kept = " ".join([store.draft(incident).text, *versions])
        finally:
            store.close()
        return all(w in kept for w in words)

    wait_until(everything_kept, "every typed word in the draft or its history")
    store = _reader(db)
    try:
        assert len(store.draft(incident).text) <= MAX_DRAFT
        assert all(len(v.text) <= MAX_DRAFT for v in store.draft_history(incident))
    finally:
        store.close()


def test_a_pasted_log_line_with_escapes_is_one_note_and_runs_nothing(seeded, terminal):
    # The escapes of a coloured log line used to end the paste: the rest came
    # as keys (ESC ESC left the field, X opened the close dialog, CR closed).
    db, incident = seeded
    term = terminal()
    term.keys("4", "n")
    term.paste("pasted: \x1b[31mERROR\x1b[0m db timeout")
    term.keys("Enter")
    wait_until(lambda: len(_notes(db, incident)) >= 1, "the first pasted note in the store")
    term.paste("log line\x1b\x1bXcopied from chat\r")
    term.keys("Enter")
    wait_until(lambda: len(_notes(db, incident)) >= 2, "the second pasted note in the store")
    assert _notes(db, incident) == [
        "pasted: \x1b[31mERROR\x1b[0m db timeout",
        "log line\x1b\x1bXcopied from chat",
    ]
    store = _reader(db)
    try:
        assert store.get_incident(incident).is_open
        assert [e.event for e in store.timeline(incident) if e.kind == "system"] == [
            "incident.declare"
        ]
    finally:
        store.close()


def _ticked(db: Path, incident: int) -> list[str]:
    store = _reader(db)
    try:
        return [
            item_id for item_id, state in store.board(incident).checklist.items() if state.ticked
        ]
    finally:
        store.close()


def test_alt_digit_leaves_the_draft_editor_typing_nothing(seeded, terminal):
    # tmux sends alt+1 as ESC 1, which Textual read as the character ¡.
    db, incident = seeded
    term = terminal()
    term.keys("5")
    term.wait_for_screen("next update")
    term.keys("C-a", "M-1", "Space")  # space ticks the checklist's first item
    wait_until(lambda: _ticked(db, incident) != [], "a ticked item in the store")
    store = _reader(db)
    try:
        assert "¡" not in store.draft(incident).text
        assert all("¡" not in v.text for v in store.draft_history(incident))
    finally:
        store.close()


def test_escape_then_a_panel_digit_within_tmuxs_escape_time_goes_to_the_panel(seeded, terminal):
    # tmux's escape-time (500 ms by default) turns escape then 2 into ESC 2.
    db, incident = seeded
    term = terminal()
    send = term.client()
    send("4", "n")
    send("-l", "human esc")
    send("Escape")
    time.sleep(0.25)  # a person's pause, shorter than tmux's escape-time: the rhythm is the test
    send("2", "Enter")
    send("-l", "zed")
    send("Enter")

    def lead() -> str | None:
        store = _reader(db)
        try:
            return store.board(incident).holder("Lead")
        finally:
            store.close()

    wait_until(lambda: lead() is not None, "the Lead assigned")
    assert lead() == "zed"
    assert _notes(db, incident) == []


def _gone(pid: int) -> bool:
    """The process has ended (a zombie nobody reaps counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_a_killed_tmux_session_ends_warroom(seeded, terminal, tmp_path):
    """tmux kill-server hangs the terminal up under a running war room, here as
    its first frames are written: it must end, not block for ever writing to a
    terminal that is gone while it holds the database open. A note stored
    before stays stored."""
    db, incident = seeded
    term = terminal()
    term.keys("4", "n", "written before the hang-up", "Enter")
    wait_until(lambda: _notes(db, incident) == ["written before the hang-up"], "the note stored")
    term.close()
    store = _reader(db)  # a full screen: more frames in flight as it starts
    for n in range(100):
        store.add_entry(incident, f"evidence {n}: " + "error rate still climbing " * 4, "evidence")
    store.close()
    for _ in range(3):  # the frames in flight differ from run to run
        # Unbuffered output (as many containers set) is how terminals were first seen to hang.
        term = Terminal(db, "alice", tmp_path, PYTHONUNBUFFERED="1")
        while "Checkout is failing" not in term.screen():  # killed the moment it shows
            time.sleep(0.005)
        pid = int(
            subprocess.run(
                [*term.tmux, "display-message", "-p", "-t", term.name, "#{pane_pid}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        term.close()
        wait_until(lambda pid=pid: _gone(pid), f"warroom (pid {pid}) to end once its terminal went")
    assert _notes(db, incident) == ["written before the hang-up"]
