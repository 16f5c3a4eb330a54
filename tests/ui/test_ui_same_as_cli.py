"""The CLI and the TUI follow the same rules (warroom/services/usecases.py): the same
steps taken both ways leave the same things in the store."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from keyburst import settle
from seeds import seed_incident

from warroom.cli import commands as cli
from warroom.services.config import Config
from warroom.store import Store

SIZE = (120, 36)


def _contents(path, policy, clock, incident_id: int) -> dict:
    """What the store holds of one incident, without the times (the CLI runs
    on the real clock, the TUI on the test's)."""
    store = Store.open(path, policy, "reader", clock)
    try:
        incident = store.get_incident(incident_id)
        return {
            "status": incident.status,
            "stage": incident.stage,
            "resolution": incident.resolution,
            "remediated": incident.remediated_at is not None,
            "draft": store.draft(incident_id).text,
            "draft history": [(v.text, v.saved_by) for v in store.draft_history(incident_id)],
            "timeline": [
                (e.kind, e.event, e.text, e.actor, e.public) for e in store.timeline(incident_id)
            ],
        }
    finally:
        store.close()


@pytest.fixture
def twin(tmp_path, policy, clock):
    """A second database seeded exactly as `seeded` seeds the first."""
    path = tmp_path / "cli.db"
    store = Store.open(path, policy, "alice", clock)
    try:
        incident_id = seed_incident(store, clock)
    finally:
        store.close()
    return path, incident_id


def _hook(tmp_path) -> str:
    script = tmp_path / "hook.py"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent("import sys\nsys.stdin.read()\n"))
    script.chmod(0o755)
    return str(script)


async def test_close_drafts_the_announcement_both_ways(
    app_factory, store, seeded, db_path, policy, clock, twin
):
    cli_db, cli_id = twin
    assert cli_id == seeded
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await settle(app, pilot)
        await pilot.press(*"rolled back the bad release", "enter")
        await settle(app, pilot)
        # The war room's draft panel shows the announcement the store now holds.
        assert "Status: resolved and closed." in app.screen.query_one("#panel-5").text
    code = cli.main(
        ["--db", str(cli_db), "close", str(cli_id), "-r", "rolled back the bad release"]
    )
    assert code == 0
    tui = _contents(db_path, policy, clock, seeded)
    assert tui["status"] == "closed"
    assert "Resolution: rolled back the bad release" in tui["draft"]
    assert _contents(cli_db, policy, clock, cli_id) == tui


async def test_publish_runs_the_hook_both_ways(
    app_factory, store, seeded, db_path, policy, clock, twin, tmp_path
):
    cli_db, cli_id = twin
    hook = _hook(tmp_path)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "warroom" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"publish_command = [{hook!r}]\n")
    app = app_factory(config=Config(publish_command=(hook,)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        app.screen.query_one("#panel-5").load_text("Checkout is back.")
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await settle(app, pilot)
    assert cli.main(["--db", str(cli_db), "publish", str(cli_id), "Checkout is back."]) == 0
    tui = _contents(db_path, policy, clock, seeded)["timeline"]
    assert [e[1] for e in tui[-2:]] == ["update.publish", "hook.ok"]
    assert _contents(cli_db, policy, clock, cli_id)["timeline"] == tui


BAD_ACTIONS = [
    ({"title": "  "}, "An action item needs a title."),
    ({"title": "x" * 2001}, "The title is longer than 2000 characters."),
    ({"title": "Alert", "due": "next friday"}, "is not a date: use YYYY-MM-DD"),
    ({"title": "Alert", "owner": "o" * 65}, "owner is longer than 64 characters"),
    ({"title": "Alert", "ticket": "T" * 201}, "ticket reference is longer than 200"),
]


@pytest.mark.parametrize(("fields", "said"), BAD_ACTIONS, ids=lambda v: str(v)[:20])
async def test_action_limits_are_one_rule(
    app_factory, store, seeded, db_path, capsys, fields, said
):
    """The action form refuses what `warroom retro action add` refuses, with
    the same words, and neither writes anything."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("4", "a")
        await settle(app, pilot)
        form = app.screen
        for key, value in fields.items():
            form.query_one(f"#form-{key}").value = value
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form
        shown = str(form.query_one("#form-error").render())
    args = ["--db", str(db_path), "retro", "action", "add", str(seeded), fields["title"]]
    for key in ("owner", "due", "ticket"):
        if key in fields:
            args += [f"--{key}", fields[key]]
    capsys.readouterr()
    assert cli.main(args) == 2  # bad input
    err = capsys.readouterr().err.strip()
    assert said in shown and said in err
    assert err == f"warroom: {shown}"  # one line, the same words
    assert store.action_items(seeded) == []
