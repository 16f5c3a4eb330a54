"""Edges where trust leaks: passwords in libpq's errors, bytes from the
environment in the doctor's lines, priorities another policy wrote, files
that are not files, hooks that leave children, NULs on their way to a server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from warroom.cli import commands as cli


def _doctor(env_bytes: dict[bytes, bytes], tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environb)
    env.update(env_bytes)
    return subprocess.run(
        [sys.executable, "-m", "warroom", "doctor"], env=env, capture_output=True,
        cwd=tmp_path, timeout=120,
    )  # fmt: skip


# ------------------------------------------------------------ item 9: secrets
def test_a_password_libpq_quotes_in_its_error_is_masked(monkeypatch, capsys, tmp_path):
    url = "postgresql://alice:hunter%2@127.0.0.1:1/warroom"
    monkeypatch.setenv("WARROOM_DB", url)
    assert cli.main(["list"]) == 1
    err = capsys.readouterr().err
    assert "hunter" not in err and len(err.splitlines()) == 1
    assert "postgresql://alice:***@127.0.0.1" in err
    done = _doctor({b"WARROOM_DB": url.encode()}, tmp_path)
    assert b"hunter" not in done.stdout + done.stderr
    assert b"FIX  server" in done.stdout


def test_a_libpq_keyword_string_is_refused_in_one_line_and_makes_no_file(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.chdir(tmp_path)
    conninfo = "host=127.0.0.1 password=sekrit99 dbname=warroom"
    assert cli.main(["--db", conninfo, "declare", "x"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "sekrit99" not in err
    assert "libpq keyword string" in err and "postgresql://" in err
    monkeypatch.setenv("WARROOM_DB", conninfo)
    assert cli.main(["list"]) == 2
    assert "sekrit99" not in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["env"]  # the neutral env only


# ---------------------------------------------------- the doctor's own lines
@pytest.mark.parametrize("variable", [b"WARROOM_DB", b"WARROOM_USER", b"XDG_CONFIG_HOME"])
def test_the_doctor_never_writes_raw_bytes_from_the_environment(variable, tmp_path):
    value = str(tmp_path).encode() + b"/a\x9b31m\xff\xc2\x9b"
    done = _doctor({variable: value}, tmp_path)
    assert b"Traceback" not in done.stderr
    text = done.stdout.decode("utf-8")  # strict: nothing that is not UTF-8
    assert not any(0x80 <= ord(ch) < 0xA0 or ch == "\x1b" for ch in text)
    assert "a\ufffd31m" in text


def test_the_doctor_says_fix_to_a_name_every_verb_refuses(tmp_path):
    done = _doctor({b"WARROOM_USER": b"ann\x9b"}, tmp_path)
    line = next(x for x in done.stdout.decode().splitlines() if "identity" in x)
    assert line.startswith("FIX") and "not UTF-8" in line
    assert done.returncode == 1
    env = {**os.environb, b"WARROOM_USER": b"ann\x9b"}
    verb = subprocess.run([sys.executable, "-m", "warroom", "list"], env=env,
                          capture_output=True, cwd=tmp_path, timeout=120)  # fmt: skip
    assert verb.returncode == 2 and b"Traceback" not in verb.stderr
    assert verb.stderr.count(b"\n") == 1


def test_a_newline_in_warroom_db_cannot_fake_a_doctor_line(tmp_path):
    value = str(tmp_path / "x.db").encode() + b"\nOK   fake        all is well"
    done = _doctor({b"WARROOM_DB": value}, tmp_path)
    assert not any(x.startswith(b"OK   fake") for x in done.stdout.splitlines())
    assert b"\xe2\x8f\x8e" in done.stdout  # the newline shown as a mark


def test_a_url_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path):
    for verb in ("doctor", "list"):
        env = {**os.environb, b"WARROOM_DB": b"postgresql://ann\xff@127.0.0.1:1/db"}
        done = subprocess.run([sys.executable, "-m", "warroom", verb], env=env,
                              capture_output=True, cwd=tmp_path, timeout=120)  # fmt: skip
        assert b"Traceback" not in done.stderr
        assert done.returncode == 2 and done.stderr.count(b"\n") == 1
        assert b"not UTF-8" in done.stderr


# ------------------------------------------- item 17: priorities policies lack
P0_POLICY = """
[clocks.P0]
acknowledge = "5m"
triage = "15m"
remediate = "1h"
retro = "3d"

[update_cadence]
P0 = "15m"
"""


def write_p0_incident(tmp_path: Path) -> Path:
    """A P0 incident, declared by a team whose policy has P0."""
    policy = tmp_path / "p0.toml"
    policy.write_text(P0_POLICY)
    assert cli.main(["--policy", str(policy), "declare", "Everything down", "-p", "P0"]) == 0
    return policy


def test_a_priority_the_readers_policy_lacks_shows_as_unknown_without_clocks(tmp_path, capsys):
    write_p0_incident(tmp_path)
    capsys.readouterr()
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "P0 (unknown)" in out and "no clocks" in out and "Everything down" in out
    assert cli.main(["status", "1"]) == 0
    out = capsys.readouterr().out
    assert "P0 (unknown)" in out and "Clocks: none, priority P0 is not in the policy" in out
    assert "Next update due" not in out
    assert cli.main(["status", "1", "--json"]) == 0
    assert '"clocks": []' in capsys.readouterr().out
    for form in ("md", "json", "csv"):
        assert cli.main(["export", "1", "-f", form]) == 0, form
    assert "not a priority of this policy" in capsys.readouterr().out
    for how in ([], ["--json"], ["--csv"]):
        assert cli.main(["report", *how]) == 0
    assert "P0" in capsys.readouterr().out


def test_an_empty_priority_name_is_refused_naming_the_file(tmp_path, capsys):
    policy = tmp_path / "empty.toml"
    policy.write_text(P0_POLICY.replace("P0", '""'))
    assert cli.main(["--policy", str(policy), "list"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and str(policy) in err and "empty" in err


# ------------------------------------------------------ files that are not
@pytest.mark.parametrize("kind", ["device", "fifo", "huge"])
def test_a_policy_that_is_not_a_small_regular_file_is_one_line(kind, tmp_path):
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        path = tmp_path / "policy.fifo"
        os.mkfifo(path)  # reading it would wait for a writer forever
    else:
        path = tmp_path / "huge.toml"
        path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n")
    done = subprocess.run([sys.executable, "-m", "warroom", "--policy", str(path), "list"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and str(path) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["note", "1", "x", "--at", ""],
        ["declare", "y", "--reported-at", ""],
        ["ack", "1", "--at", ""],
        ["report", "--since", ""],
    ],
)
def test_an_empty_time_is_refused_not_taken_as_now(argv, capsys):
    assert cli.main(["declare", "Timed"]) == 0
    capsys.readouterr()
    assert cli.main(argv) == 2
    assert "cannot read time ''" in capsys.readouterr().err
    assert cli.main(["timeline", "1", "--json"]) == 0
    assert '"x"' not in capsys.readouterr().out  # nothing was written
    assert cli.main(["list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert '"acknowledged_at": null' in listed and '"y"' not in listed


# ----------------------------------------------------- a POSIX TZ rule is honoured
def test_a_posix_tz_rule_is_honoured_when_reading_and_showing_times(monkeypatch, capsys):
    import time

    monkeypatch.setenv("TZ", "EST5EDT,M3.2.0/2,M11.1.0/2")
    time.tzset()
    assert cli.main(["declare", "Summer", "--reported-at", "2026-07-01T08:00"]) == 0
    assert cli.main(["declare", "Winter", "--reported-at", "2026-01-15T08:00"]) == 0
    capsys.readouterr()
    assert cli.main(["list", "--json"]) == 0
    out = capsys.readouterr().out
    assert "2026-07-01T12:00:00" in out  # EDT, UTC-4
    assert "2026-01-15T13:00:00" in out  # EST, UTC-5
    assert cli.main(["status", "1"]) == 0
    assert "08:00" in capsys.readouterr().out


# ------------------------------------------------- hooks that leave children
def _hook_args():
    from datetime import UTC, datetime

    from warroom.core.model import Incident, TimelineEntry

    at = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    incident = Incident(1, "Down", "regression", "P1", "Detect", "open", at, at, "ann")
    entry = TimelineEntry(7, 1, "update", "All fixed", "ann", at, at, public=True)
    return incident, entry


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie is dead
    except FileNotFoundError:
        return True


def _wait_for(condition, seconds: float = 60.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_hook_that_exits_0_leaving_a_child_is_a_success(tmp_path):
    from warroom.services.hooks import run_publish_hook

    pidfile = tmp_path / "child.pid"
    hook = tmp_path / "hook.sh"
    # The child keeps the hook's stdout and stderr open, as `curl ... &` would.
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\nsleep 90 &\necho $! > {pidfile}\nexit 0\n")
    hook.chmod(0o755)
    try:
        result = run_publish_hook((str(hook),), "text", *_hook_args(), timeout=30)
        assert result.ok, result.summary
    finally:
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), 9)


def test_a_timed_out_hook_has_its_children_killed_too(tmp_path):
    from warroom.services.hooks import run_publish_hook

    pidfile = tmp_path / "child.pid"
    hook = tmp_path / "hook.sh"
    # The child holds none of the hook's files: only its process group ties it.
    hook.write_text(f"#!/bin/sh\nsleep 600 </dev/null >/dev/null 2>&1 &\n"
                    f"echo $! > {pidfile}.tmp\nmv {pidfile}.tmp {pidfile}\nwait\n")  # fmt: skip
    hook.chmod(0o755)
    result = run_publish_hook((str(hook),), "text", *_hook_args(), timeout=5)
    assert not result.ok and "timed out" in result.summary
    assert _wait_for(pidfile.exists)
    child = int(pidfile.read_text())
    try:
        assert _wait_for(lambda: _gone(child)), "the hook's child outlived it"
    finally:
        if not _gone(child):
            os.kill(child, 9)


def test_a_failing_hook_still_reports_its_last_stderr_line(tmp_path):
    from warroom.services.hooks import run_publish_hook

    hook = tmp_path / "hook.sh"
    hook.write_text("#!/bin/sh\necho first >&2\necho 'rate limited' >&2\nexit 3\n")
    hook.chmod(0o755)
    result = run_publish_hook((str(hook),), "text", *_hook_args(), timeout=60)
    assert result.summary == "publish hook hook.sh failed (exit 3): rate limited"
