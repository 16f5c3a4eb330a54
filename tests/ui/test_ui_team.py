"""Ready for teams: alerts, themes, remapped keys, the publish hook, doctor and demo."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from keyburst import settle

from warroom.cli import commands as cli
from warroom.cli.demo import seed_demo
from warroom.services.config import Config, load_state
from warroom.store import SCHEMA_VERSION, Store
from warroom.tui.toasts import shown_toasts

SIZE = (120, 36)


def _capture(app):
    toasts, bells = [], []
    original = app.notify

    def notify(message, **kwargs):
        toasts.append((message, kwargs.get("severity")))
        return original(message, **kwargs)

    app.notify = notify
    app.bell = lambda: bells.append(1)
    return toasts, bells


async def test_alert_once_per_transition(app_factory, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        toasts, bells = _capture(app)
        app.tick()
        assert toasts == [] and bells == []  # opening does not replay old alarms
        clock.advance(hours=9)  # P2 triage (12 h) now has < 20 % left; the update is late
        app.tick()
        app.tick()
        app.tick()
        await pilot.pause()
        assert len(bells) == 1
        assert sorted(t[0].split(": ", 1)[1].split(" (")[0] for t in toasts) == [
            "stakeholder update overdue",
            # The runbook's repeating update task (due 4h after the report), with one bell.
            "task First update within the cadence overdue",
            "triage clock due soon",
        ]
        clock.advance(hours=3)  # triage now overdue: one more transition
        app.tick()
        app.tick()
        assert len(bells) == 2
        assert "triage clock overdue" in toasts[-1][0]
        assert toasts[-1][1] == "error"


async def test_alerts_can_be_turned_off(app_factory, seeded, clock):
    app = app_factory(config=Config(notifications=False))
    async with app.run_test(size=SIZE):
        toasts, bells = _capture(app)
        app.tick()
        clock.advance(hours=12)
        app.tick()
        assert toasts == [] and bells == []


async def test_theme_is_remembered(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert load_state()["theme"] == "nord"
    again = app_factory()
    async with again.run_test(size=SIZE):
        assert again.theme == "nord"


async def test_remapped_key_works_and_is_shown(app_factory, store, seeded):
    from warroom.tui.screens.help import collect_bindings
    from warroom.tui.screens.modals import ChoiceModal

    app = app_factory(config=Config(keymap={"warroom.priority": "P"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceModal)
        rows = {d: k for _, k, d, _ in collect_bindings(app.screen)}
        assert rows["Priority"] == "P"
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values()}
        assert "P" in footer_keys and "p" not in footer_keys
        await pilot.press("P", "1")
        await pilot.pause()
    assert store.get_incident(seeded).priority == "P1"


def _hook(tmp_path, body: str) -> str:
    script = tmp_path / "hook.py"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return str(script)


async def _publish(app, pilot, text: str) -> None:
    panel = app.screen.query_one("#panel-5")
    await pilot.press("5")
    panel.load_text(text)
    await pilot.press("ctrl+o")
    await app.workers.wait_for_complete()  # the hook's result is handed back before it ends
    await settle(app, pilot)


HOSTILE = "Update $(touch pwned) `id` ; rm -rf ~ | && \" ' \x1b[2J done"


async def test_publish_hook_gets_text_on_stdin_and_fields_in_env(
    app_factory, store, seeded, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "received.json"
    hook = _hook(
        tmp_path,
        f"""
        import json, os, sys
        json.dump({{"stdin": sys.stdin.read(), "argv": sys.argv[1:],
                   "id": os.environ["WARROOM_INCIDENT_ID"],
                   "title": os.environ["WARROOM_TITLE"],
                   "priority": os.environ["WARROOM_PRIORITY"]}}, open({str(out)!r}, "w"))
        """,
    )
    app = app_factory(config=Config(publish_command=(hook, "--channel", "#inc")))
    async with app.run_test(size=SIZE) as pilot:
        await _publish(app, pilot, HOSTILE)
    got = json.loads(out.read_text())
    assert got["stdin"] == HOSTILE
    assert got["argv"] == ["--channel", "#inc"]
    assert got["id"] == str(seeded) and got["priority"] == "P2"
    assert got["title"] == store.get_incident(seeded).title
    assert not (tmp_path / "pwned").exists()
    events = [e.event for e in store.timeline(seeded)[-3:]]
    assert "update.publish" in events and events[-1] == "hook.ok"


@pytest.mark.parametrize(
    ("body", "timeout", "expect"),
    [
        ("import sys\nsys.stderr.write('boom: token expired\\n')\nsys.exit(3)\n", 5, "exit 3"),
        ("import time\ntime.sleep(5)\n", 0.5, "timed out"),
    ],
    ids=["failure", "timeout"],
)
async def test_publish_hook_failure_is_shown_and_recorded(
    app_factory, store, seeded, tmp_path, body, timeout, expect
):
    hook = _hook(tmp_path, body)
    app = app_factory(config=Config(publish_command=(hook,), publish_timeout=timeout))
    async with app.run_test(size=SIZE) as pilot:
        toasts, _ = _capture(app)
        await _publish(app, pilot, "Checkout is back.")
        assert any(expect in message and sev == "error" for message, sev in toasts)
    timeline = store.timeline(seeded)
    published = [e for e in timeline if e.kind == "update"]
    assert published[-1].text == "Checkout is back."  # the update itself went out
    assert timeline[-1].event == "hook.failed" and expect in timeline[-1].text


def _config_hook_to(tmp_path) -> Path:
    """A config whose publish hook writes its stdin to the returned file."""
    out = tmp_path / "stdin.txt"
    hook = _hook(tmp_path, f"import sys\nopen({str(out)!r}, 'w').write(sys.stdin.read())\n")
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "warroom" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"publish_command = [{hook!r}]\n")
    return out


def test_cli_publish_runs_hook_from_config(tmp_path, monkeypatch, capsys, db_path, policy, clock):
    store = Store.open(db_path, policy, "alice", clock)
    incident = store.declare("DNS", "perf", "P3")
    store.close()
    out = _config_hook_to(tmp_path)
    code = cli.main(["--db", str(db_path), "publish", str(incident.id), "All clear"])
    assert code == 0
    assert out.read_text() == "All clear"
    check = Store.open(db_path, policy, "alice", clock)
    assert check.timeline(incident.id)[-1].event == "hook.ok"
    check.close()


@pytest.mark.parametrize("allowed", [False, True], ids=["drills-quiet", "drills-page"])
def test_cli_publish_for_a_drill(tmp_path, capsys, db_path, policy, clock, allowed):
    store = Store.open(db_path, policy, "alice", clock)
    incident = store.declare("Game day", "perf", "P2", drill=True)
    store.close()
    out = _config_hook_to(tmp_path)
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(f"drills_run_hook = {str(allowed).lower()}\n")
    args = ["--db", str(db_path), "--policy", str(policy_file), "publish", str(incident.id)]
    assert cli.main([*args, "Failover done"]) == 0
    check = Store.open(db_path, policy, "alice", clock)
    timeline = check.timeline(incident.id)
    check.close()
    update = next(e for e in timeline if e.kind == "update")
    assert update.text == "[DRILL] Failover done"
    if allowed:
        assert out.read_text() == "[DRILL] Failover done"
        assert timeline[-1].event == "hook.ok"
    else:
        assert not out.exists()
        assert timeline[-1].event == "hook.skipped" and "drill" in timeline[-1].text
        assert "publish hook skipped" in capsys.readouterr().err


def test_doctor_good_setup(tmp_path, monkeypatch, capsys, policy, clock):
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("TMUX", raising=False)
    db = tmp_path / "team" / "warroom.db"
    Store.open(db, policy, "alice", clock).close()
    assert cli.main(["--db", str(db), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "OK   permissions 660" in out and f"OK   schema      version {SCHEMA_VERSION}" in out
    assert "FIX" not in out


def test_doctor_broken_setup(tmp_path, monkeypatch, capsys, policy, clock):
    monkeypatch.setenv("TERM", "xterm-256color")
    db = tmp_path / "warroom.db"
    Store.open(db, policy, "alice", clock).close()
    os.chmod(db, 0o644)
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text("[clocks.P1]\nacknowledge = 'soon'\n")
    before = db.read_bytes()
    assert cli.main(["--db", str(db), "--policy", str(bad_policy), "doctor"]) == 1
    out = capsys.readouterr().out
    assert f"chmod o-rwx {db}" in out
    assert "FIX  policy" in out and "not a duration" in out
    assert db.read_bytes() == before  # the doctor only reads
    assert stat.S_IMODE(db.stat().st_mode) == 0o644


BAD_KEYMAP = '[keymap]\n"warroom.priority" = "ctrl+prio"\n"warroom.stage" = "S"\n'


def test_doctor_names_a_keymap_value_that_is_no_key(tmp_path, monkeypatch, capsys, policy, clock):
    monkeypatch.setenv("TERM", "xterm-256color")
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "warroom" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(BAD_KEYMAP)
    db = tmp_path / "warroom.db"
    Store.open(db, policy, "alice", clock).close()
    assert cli.main(["--db", str(db), "doctor"]) == 1
    out = capsys.readouterr().out
    fixes = [line for line in out.splitlines() if line.startswith("FIX")]
    assert len(fixes) == 1, out
    assert fixes[0].startswith("FIX  keymap") and "'warroom.priority' = 'ctrl+prio'" in fixes[0]
    assert "is not a key" in fixes[0] and "Traceback" not in out
    assert f"OK   config      {config}" in out  # the rest of the file is fine


async def test_a_keymap_value_that_is_no_key_warns_and_keeps_the_default(
    tmp_path, store, seeded, app_factory
):
    from warroom.services.config import load_config

    path = tmp_path / "bad-keymap.toml"
    path.write_text(BAD_KEYMAP)
    config = load_config(path)
    assert config.keymap == {"warroom.stage": "S"}  # the good entry still applies
    app = app_factory(config=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        warnings = [n.message for n in shown_toasts(app)]
        assert any("'ctrl+prio'" in w and "the default key is kept" in w for w in warnings), (
            warnings
        )
        await pilot.press("p")  # the default key still changes the priority
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoiceModal"
        await pilot.press("escape", "S")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoiceModal"  # the remapped stage key


def test_demo_is_realistic(tmp_path, policy, clock):
    path = tmp_path / "demo.db"
    main_id = seed_demo(path, policy, clock())
    store = Store.open(path, policy, "x", clock)
    bundle = store.bundle(main_id)
    board = bundle.board
    assert all(board.holder(r) for r in policy.single_roles)
    assert len(board.holders("Responder")) >= 2
    handoffs = [e for e in bundle.timeline if e.event == "role.assign" and e.data["previous"]]
    assert handoffs
    assert len(board.ticked) >= 2
    assert {e.kind for e in bundle.timeline} == {
        "note",
        "evidence",
        "decision",
        "change",
        "system",
        "update",
    }
    assert any(e.supersedes for e in bundle.timeline)
    assert board.draft.text.strip()
    from warroom.core.sla import clock_states, next_update

    states = {c.state for i in store.list_incidents() for c in clock_states(policy, i, clock())}
    states.add(next_update(policy, board.incident, clock()).state)
    assert {"met", "running", "due soon", "overdue"} <= states
    store.close()


def test_demo_never_touches_the_real_database(tmp_path, monkeypatch, capsys):
    real = tmp_path / "real.db"
    monkeypatch.setenv("WARROOM_DB", str(real))
    seen = {}

    def fake_tui(ctx, start_incident=None, demo=False):
        # Stands in for the terminal UI only: the store is the real one.
        seen["path"] = ctx.db_path
        seen["incident"] = ctx.store.get_incident(start_incident).title
        return 0

    monkeypatch.setattr(cli, "run_tui", fake_tui)
    assert cli.main(["demo"]) == 0
    assert not real.exists()
    assert seen["path"] != real and not seen["path"].exists()  # thrown away afterwards
    assert "Checkout" in seen["incident"]


def test_demo_never_runs_the_publish_hook(tmp_path, monkeypatch):
    """The demo's incidents are made up: the team's real hook (Slack...) must not see them."""
    import asyncio

    import warroom.tui.app as app_module

    out = _config_hook_to(tmp_path)
    monkeypatch.setenv("WARROOM_DB", str(tmp_path / "real.db"))
    seen = {}

    def drive(store, policy, **kwargs):  # the real app, run headless instead of in a terminal
        async def go():
            app = app_module.make_app(store, policy, **kwargs)
            async with app.run_test(size=SIZE) as pilot:
                await settle(app, pilot)
                await _publish(app, pilot, "Made-up demo update")
            seen["timeline"] = store.timeline(kwargs["start_incident"])

        asyncio.run(go())
        return 0

    monkeypatch.setattr(app_module, "run_app", drive)
    assert cli.main(["demo"]) == 0
    assert not out.exists()  # the hook never ran
    last = seen["timeline"][-1]
    assert last.event == "hook.skipped" and "demo" in last.text
    assert seen["timeline"][-2].text == "Made-up demo update"


async def test_no_color_keeps_meaning_in_words(app_factory, seeded, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_factory()
    assert app.no_color
    async with app.run_test(size=SIZE):
        clocks = app.screen.query_one("#panel-3")
        text = clocks.render_clocks(app.clock(), 44).renderables
        words = " ".join(t.plain for t in text)
        assert "✔ met" in words and "● running" in words


async def test_world_readable_database_warns_in_the_tui(db_path, policy, clock, seeded):
    from warroom.tui.app import make_app

    os.chmod(db_path, 0o664)
    store = Store.open(db_path, policy, "alice", clock)
    app = make_app(store, policy, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in shown_toasts(app)]
        assert any("readable by other users" in m for m in messages)
    store.close()
