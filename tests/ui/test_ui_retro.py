"""Close, reopen, export and the retro screen: Pilot tests against what the store holds,
and snapshots of the retro at 80x24 and 120x36."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from keyburst import settle
from textual.widgets import Input

from warroom.tui.screens.closing import ClosePrompt
from warroom.tui.screens.modals import ChoiceModal, ConfirmModal
from warroom.tui.screens.retro import RetroScreen
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.toasts import shown_toasts
from warroom.tui.widgets.retro_actions import ActionForm, ActionList
from warroom.tui.widgets.retro_timeline import RetroTimeline
from warroom.tui.widgets.retro_whys import RootCauseArea, WhysPanel, chain_question
from warroom.tui.widgets.timeline import TimelineView

SIZE = (120, 36)
SIZES = {"wide": (120, 36), "small": (80, 24)}


async def wait_saved(pilot) -> None:
    """What the save delay's timers do when they fire, done now."""
    await settle(pilot.app, pilot)
    for node in pilot.app.screen.walk_children(with_self=False):
        if getattr(node, "_timer", None) is not None and hasattr(node, "request_save"):
            node.request_save()
    await settle(pilot.app, pilot)


# ------------------------------------------------------------------ closing
async def test_close_with_summary(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ClosePrompt)
        app.screen.query_one(Input).value = "Rolled back the bad release"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
        assert "CLOSED" in str(app.screen.query_one("#header").render())
    incident = store.get_incident(seeded)
    assert incident.status == "closed"
    assert incident.resolution == "Rolled back the bad release"
    assert incident.remediated_at == clock()
    assert incident.closed_at == clock()
    draft = store.draft(seeded)
    assert "Status: resolved and closed." in draft.text
    assert "Resolution: Rolled back the bad release" in draft.text
    assert draft.updated_by == "alice"
    events = [e.event for e in store.timeline(seeded)]
    assert events[-1] == "incident.close"
    assert "milestone" in events[-2:]  # remediation recorded on the way


async def test_close_at_the_time_it_closed(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        app.screen.query_one("#text", Input).value = "Rolled back"
        app.screen.query_one("#at", Input).value = "08:45"
        await pilot.press("enter")
        await pilot.pause()
    incident = store.get_incident(seeded)
    assert incident.closed_at == incident.remediated_at == clock().replace(hour=8, minute=45)
    close = store.timeline(seeded)[-1]
    assert close.event == "incident.close" and close.occurred_at == incident.closed_at


async def test_close_warns_about_missing_roles_and_update(app_factory, store, seeded):
    store.unassign(seeded, "Lead")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        text = " ".join(str(label.render()) for label in app.screen.query(".warning"))
        assert "No Lead is assigned" in text
        assert "Scribe" not in text  # dan holds it
        assert "No update was ever published" in text
        await pilot.press("escape")
        await pilot.pause()
    assert store.get_incident(seeded).is_open


async def test_close_does_not_warn_when_all_is_in_place(app_factory, store, seeded):
    store.publish_update(seeded, "We are on it")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        assert not list(app.screen.query(".warning"))
        await pilot.press("enter")  # empty summary: refused, nothing changes
        await pilot.pause()
    assert store.get_incident(seeded).is_open


async def test_close_warns_about_missing_scribe(app_factory, store, seeded):
    store.unassign(seeded, "Scribe")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        text = " ".join(str(label.render()) for label in app.screen.query(".warning"))
        assert "No Scribe is assigned" in text
        assert "Lead" not in text


async def test_reopen(app_factory, store, seeded):
    store.close_incident(seeded, "Rolled back")
    app = app_factory(start_incident=seeded)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        app.screen.query_one(Input).value = "errors are back"
        await pilot.press("enter")
        await pilot.pause()
        assert "CLOSED" not in str(app.screen.query_one("#header").render())
    incident = store.get_incident(seeded)
    assert incident.status == "open"
    assert incident.resolution == "Rolled back"  # nothing is deleted
    last = store.timeline(seeded)[-1]
    assert last.event == "incident.reopen"
    assert last.data["reason"] == "errors are back"


async def test_reopen_cancelled(app_factory, store, seeded):
    store.close_incident(seeded, "Rolled back")
    app = app_factory(start_incident=seeded)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X", "n")
        await pilot.pause()
    assert store.get_incident(seeded).status == "closed"


# ------------------------------------------------------------------- export
async def test_export_writes_file_and_refuses_to_overwrite(
    app_factory, store, seeded, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / f"incident-{seeded}.md"
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("1")
        await pilot.pause()
        assert target.exists()
        first = target.read_text()
        assert "Checkout returns 500" in first
        target.write_text("keep me")
        await pilot.press("E", "1")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert target.read_text() == "keep me"
        await pilot.press("E", "1")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
    assert target.read_text() != "keep me"
    assert "Checkout returns 500" in target.read_text()


async def test_export_formats_from_the_retro(app_factory, store, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store.add_entry(seeded, "private musing", "note")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
        for digit in "234":
            await pilot.press("E", digit)
            await pilot.pause()
        assert isinstance(app.screen, RetroScreen)
    assert (tmp_path / f"incident-{seeded}.json").exists()
    assert (tmp_path / f"incident-{seeded}.csv").exists()
    public = (tmp_path / f"incident-{seeded}-public.md").read_text()
    assert "private musing" not in public


async def test_export_failure_is_a_message(app_factory, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"incident-{seeded}.csv").mkdir()  # in the way, and not a file
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E", "3")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)  # no overwrite question, no crash
        messages = [n.message for n in shown_toasts(app)]
        assert any("Export failed" in m and "directory" in m for m in messages)


# -------------------------------------------------------------------- retro
async def open_retro(app, pilot) -> RetroScreen:
    await pilot.press("R")
    await pilot.pause()
    assert isinstance(app.screen, RetroScreen)
    return app.screen


def test_chain_question_wording():
    assert chain_question("The pool ran dry.") == "Why did this happen: the pool ran dry?"
    assert chain_question("Postgres ran out of connections") == (
        "Why did this happen: Postgres ran out of connections?"
    )
    assert chain_question("bad config") == "Why did this happen: bad config?"
    assert chain_question("   ") == ""


async def test_five_whys_typed_are_saved_as_a_chain(app_factory, store, seeded):
    store.identity = "zoe"
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2")  # lands on the first question (proposed)
        assert retro.focused.id == "why-1-q"
        await pilot.press("down")  # to its answer
        assert retro.focused.id == "why-1-a"
        await pilot.press(*"bad config")
        await wait_saved(pilot)
        whys = store.retro(seeded).whys
        assert whys[0].question.startswith("Why did this happen: Checkout returns 500")
        assert whys[0].answer == "bad config"
        assert whys[0].updated_by == "zoe"
        # The answer proposed the next why, and the store holds it too.
        assert whys[1].question == "Why did this happen: bad config?"
        await pilot.press("enter", "enter")  # past question 2, to its answer
        assert retro.focused.id == "why-2-a"
        answers = ["a release skipped review", "the reviewer was paged", "one on call"]
        for n, answer in enumerate(answers, 2):
            retro.focused.value = answer  # long text: set, then a key saves
            await pilot.press("space", "backspace")
            await pilot.press("down", "down")
            assert retro.focused.id == f"why-{n + 1}-a"
        await wait_saved(pilot)
    whys = store.retro(seeded).whys
    assert [(w.position, w.answer) for w in whys[:4]] == [
        (1, "bad config"),
        (2, "a release skipped review"),
        (3, "the reviewer was paged"),
        (4, "one on call"),
    ]
    assert whys[2].question == "Why did this happen: a release skipped review?"
    assert whys[4].question == "Why did this happen: one on call?"
    assert {w.updated_by for w in whys} == {"zoe"}


async def test_edited_question_is_not_overwritten_by_the_chain(app_factory, store, seeded):
    store.save_why(seeded, 1, "Why did checkout fail?", "a bad config")
    store.save_why(seeded, 2, "Why was the config not caught?", "")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2", "down")
        assert retro.focused.id == "why-2-a"
        await pilot.press("up", "up")
        assert retro.focused.id == "why-1-a"
        await pilot.press(*" push")
        await wait_saved(pilot)
    whys = store.retro(seeded).whys
    assert whys[0].answer == "a bad config push"
    assert whys[1].question == "Why was the config not caught?"


async def test_more_whys_on_demand(app_factory, store, seeded):
    for n in range(1, 6):
        store.save_why(seeded, n, f"q{n}", f"a{n}")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2", "down")
        assert retro.focused.id == "why-5-a"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert retro.focused.id == "why-6-q"
        assert retro.focused.value == "Why did this happen: a5?"
        await pilot.press("enter", *"a6")
        await wait_saved(pilot)
    whys = store.retro(seeded).whys
    assert (whys[5].position, whys[5].question, whys[5].answer) == (
        6,
        "Why did this happen: a5?",
        "a6",
    )


async def test_stored_whys_beyond_five_are_shown(app_factory, store, seeded):
    for n in range(1, 8):
        store.save_why(seeded, n, f"q{n}", f"a{n}")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        panel = retro.query_one(WhysPanel)
        assert len(panel.levels) == 7
        assert panel.level(7).answer.value == "a7"


async def test_remote_changes_appear(app_factory, store, seeded, db_path, policy, clock):
    from warroom.store import Store

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        other = Store.open(db_path, policy, "remote", clock)
        other.add_action(seeded, "Page the DBA team earlier", "remy")
        other.set_root_cause(seeded, "Pool sized for last year")
        other.add_entry(seeded, "found it", "evidence")
        other.close()
        app.poll()  # what the poll timer does each half second
        await pilot.pause()
        assert [i.title for i in retro.query_one(ActionList).items] == ["Page the DBA team earlier"]
        assert retro.query_one(RootCauseArea).text == "Pool sized for last year"
        assert retro.query_one(RetroTimeline).entries[-1].text == "found it"


async def test_remote_why_does_not_clobber_typing(
    app_factory, store, seeded, db_path, policy, clock
):
    from warroom.store import Store

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2", "down", *"mine")
        other = Store.open(db_path, policy, "remote", clock)
        other.save_why(seeded, 3, "Why theirs?", "theirs")
        other.close()
        retro.refresh_from_store()
        await pilot.pause()
        panel = retro.query_one(WhysPanel)
        assert panel.level(1).answer.value == "mine"
        assert panel.level(3).answer.value == "theirs"
        await wait_saved(pilot)
    whys = {w.position: w for w in store.retro(seeded).whys}
    assert whys[1].answer == "mine"
    assert whys[3].answer == "theirs" and whys[3].updated_by == "remote"


async def test_root_cause_saved_as_typed(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("3")
        assert isinstance(retro.focused, RootCauseArea)
        await pilot.press(*"No canary")
        await wait_saved(pilot)
        assert store.get_incident(seeded).root_cause == "No canary"
        await pilot.press("enter", *"stage.")
        await pilot.press("escape")  # leaving the field saves at once
        await pilot.pause()
        assert store.get_incident(seeded).root_cause == "No canary\nstage."
        assert isinstance(retro.focused, RetroTimeline)
        await pilot.press("3", "end", *" More.", "escape", "escape")  # and leaving the retro
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
    assert store.get_incident(seeded).root_cause == "No canary\nstage. More."


async def test_action_items_add_edit_complete(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("4")
        assert isinstance(retro.focused, ActionList)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ActionForm)
        form.query_one("#form-title").value = "Add a canary stage"
        form.query_one("#form-owner").value = "bob"
        form.query_one("#form-due").value = "2026-12-05"
        form.query_one("#form-ticket").value = "OPS-42"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RetroScreen)
        items = store.action_items(seeded)
        assert [(i.title, i.owner, i.due, i.ticket, i.status) for i in items] == [
            ("Add a canary stage", "bob", date(2026, 12, 5), "OPS-42", "open")
        ]
        assert items[0].created_by == "alice"
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#form-title").value == "Add a canary stage"
        assert form.query_one("#form-due").value == "2026-12-05"
        form.query_one("#form-owner").value = "carol"
        form.query_one("#form-due").value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        item = store.action_items(seeded)[0]
        assert (item.owner, item.due, item.title) == ("carol", None, "Add a canary stage")
        await pilot.press("x")
        await pilot.pause()
        assert store.action_items(seeded)[0].done
        assert store.action_items(seeded)[0].completed_at == clock()
        await pilot.press("space")
        await pilot.pause()
    assert not store.action_items(seeded)[0].done
    events = [e.event for e in store.timeline(seeded)[-3:]]
    assert events == ["action.add", "action.done", "action.reopen"]


async def test_bad_due_date_keeps_the_form(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_retro(app, pilot)
        await pilot.press("4", "a")
        await pilot.pause()
        form = app.screen
        form.query_one("#form-title").value = "Alert on 5xx"
        form.query_one("#form-due").value = "next friday"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form  # still open, nothing lost
        error = str(form.query_one("#form-error").render())
        assert "YYYY-MM-DD" in error and "next friday" in error
        assert form.query_one("#form-title").value == "Alert on 5xx"
        assert store.action_items(seeded) == []
        form.query_one("#form-due").value = "2026-12-01"
        await pilot.press("enter")
        await pilot.pause()
    assert [(i.title, i.due) for i in store.action_items(seeded)] == [
        ("Alert on 5xx", date(2026, 12, 1))
    ]


async def test_action_needs_a_title(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_retro(app, pilot)
        await pilot.press("4", "a", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionForm)
        assert "title" in str(app.screen.query_one("#form-error").render())
    assert store.action_items(seeded) == []


async def test_retro_held_stops_the_clock(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("H", "enter")  # when? enter: now
        await pilot.pause()
        assert store.get_incident(seeded).retro_at == clock()
        assert "retro held" in str(retro.query_one("#retro-header").render())
        clock.advance(days=1)
        retro.tick(clock())
        assert "retro held 11-28 09:00" in str(retro.query_one("#retro-header").render())
        await pilot.press("H", "enter")  # already recorded: enter keeps the time
        await pilot.pause()
    assert store.get_incident(seeded).retro_at == clock() - timedelta(days=1)
    milestones = [e.data["clock"] for e in store.timeline(seeded) if e.event == "milestone"]
    assert milestones.count("retro") == 1


async def test_timeline_filter_and_private_notes(app_factory, store, seeded):
    store.add_entry(seeded, "private hunch", "note")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        view = retro.query_one(RetroTimeline)
        texts = [e.text for e in view.entries]
        assert texts[0].startswith("Anomaly began")
        assert "private hunch" in texts
        await pilot.press("f")
        assert {e.kind for e in view.entries} == {"note", "evidence", "decision", "change"}
        await pilot.press("f")
        assert [e.text for e in view.entries] == ["Roll back release 2026.11.28-1"]
        await pilot.press("f")
        assert [e.kind for e in view.entries] == ["change"]
        await pilot.press("f", "f")
        assert {e.kind for e in view.entries} == {"system"}
        await pilot.press("f")
        assert len(view.entries) == len(texts)


async def test_timeline_is_told_in_the_order_things_happened(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        view = retro.query_one(TimelineView)
        times = [e.occurred_at for e in view.entries]
        assert times == sorted(times)
        ack = next(e for e in view.entries if "acknowledge" in e.text)
        assert ack.occurred_at == store.get_incident(seeded).acknowledged_at


async def test_note_added_from_the_retro(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("1", "d")
        await pilot.pause()
        app.screen.query_one(Input).value = "Keep the rollback runbook"
        await pilot.press("enter")
        await pilot.pause()
        assert retro.query_one(RetroTimeline).entries[-1].text == "Keep the rollback runbook"
    last = store.timeline(seeded)[-1]
    assert (last.kind, last.text) == ("decision", "Keep the rollback runbook")


async def test_retro_help_and_back(app_factory, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        from warroom.tui.screens.help import HelpScreen, collect_bindings

        assert isinstance(app.screen, HelpScreen)
        rows = collect_bindings(retro)
        descriptions = {d for _, _, d, _ in rows}
        assert {"Retro held", "Export", "Filter", "Add", "Edit", "Done/open"} <= descriptions
        assert {w for w, _, _, _ in rows} >= {"Retro", "1 Timeline", "4 Action items"}
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)


async def test_retro_works_compact(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        retro = await open_retro(app, pilot)
        assert retro.has_class("-compact")
        await pilot.press("tab")
        assert retro.active == 2
        assert retro.query_one("#retro-2").display
        assert not retro.query_one("#retro-1").display
        await pilot.press("down", *"typo")  # from the question to its answer
        await wait_saved(pilot)
    assert store.retro(seeded).whys[0].answer == "typo"


# ---------------------------------------------------------------- snapshots
def seed_retro(store, seeded):
    store.save_why(seeded, 1, "Why did EU checkout return 500s?", "The 11-28 release broke it")
    store.save_why(seeded, 2, "Why the 11-28 release broke it?", "A config flag defaulted on")
    store.save_why(seeded, 3, "Why a config flag defaulted on?", "")
    store.set_root_cause(seeded, "A feature flag shipped enabled by default, with no canary.")
    store.add_action(
        seeded, "Add a canary stage to checkout deploys", "bob", date(2026, 12, 5), "OPS-42"
    )
    store.add_action(seeded, "Default new flags to off [red]", "carol", date(2026, 11, 20))
    done = store.add_action(seeded, "Write the rollback runbook", "dan")
    store.set_action_done(done.id)


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


def test_retro_snapshot(snap_compare, app_factory, store, seeded, size):
    seed_retro(store, seeded)
    assert snap_compare(app_factory(), terminal_size=size, press=["R"])


def test_retro_whys_snapshot(snap_compare, app_factory, store, seeded, size):
    seed_retro(store, seeded)
    assert snap_compare(app_factory(), terminal_size=size, press=["R", "2"])


def test_retro_actions_snapshot(snap_compare, app_factory, store, seeded, size):
    seed_retro(store, seeded)
    assert snap_compare(app_factory(), terminal_size=size, press=["R", "4"])


def test_action_form_snapshot(snap_compare, app_factory, store, seeded, size):
    seed_retro(store, seeded)
    assert snap_compare(app_factory(), terminal_size=size, press=["R", "4", "e"])


# ------------------------------------------------------------ read in full
LONG_TITLE = "Add a canary stage to every deploy of checkout-api, with an automatic rollback on 5xx"
LONG_ANSWER = (
    "the release skipped review because the reviewer was paged for another incident at the time"
)


async def test_the_selected_action_item_shows_whole(app_factory, store, seeded):
    store.add_action(seeded, "Short one", "bob")
    store.add_action(seeded, LONG_TITLE, "carol", date(2026, 12, 5), "OPS-42")
    app = app_factory()
    async with app.run_test(size=SIZES["small"]) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("4", "down")
        await pilot.pause()
        detail = retro.query_one("#action-detail").render().plain
        assert LONG_TITLE in " ".join(detail.split())
        assert "owner carol" in detail and "due 2026-12-05" in detail and "OPS-42" in detail


async def test_action_titles_take_the_width_the_other_columns_leave(app_factory, store, seeded):
    """Owner, due and ticket are as wide as what they hold: the title gets the
    rest of the row instead of a fixed 20-odd cells beside padding."""
    store.add_action(seeded, LONG_TITLE, "bob", date(2026, 12, 5), "OPS-42")
    for size, least in ((SIZES["wide"], 27), (SIZES["small"], 40)):
        app = app_factory()
        async with app.run_test(size=size) as pilot:
            retro = await open_retro(app, pilot)
            await pilot.press("4")
            await pilot.pause()
            view = retro.query_one(ActionList)
            row = view.render_line(1).text
            assert LONG_TITLE[:least] in row, (size, row)
            for cell in ("bob", "2026-12-05", "OPS-42"):
                assert cell in row, (size, row)
            assert len(row.rstrip()) == view.scrollable_content_region.width, (size, row)


async def test_retro_fields_keep_digits_and_say_how_to_leave(app_factory, store, seeded):
    """A digit typed in a why or in the root cause is text; the hint under the
    whys and the root cause's border say how to leave (esc, alt+1-4) at each
    size, and alt+digit leaves with what was typed saved."""
    from test_ui_readable import screen_text

    for size in (SIZES["small"], SIZES["wide"], (200, 50)):
        app = app_factory()
        async with app.run_test(size=size) as pilot:
            retro = await open_retro(app, pilot)
            await pilot.press("2")
            await pilot.pause()
            hint = retro.query_one("#whys-hint").render().plain
            assert "esc" in hint and "alt+1-4" in hint and "leave" in hint, (size, hint)
            assert hint in screen_text(app), (size, hint)
            if size != SIZES["small"]:  # the root cause shows beside the whys
                assert "esc or alt+1-4: leave" in screen_text(app), size
    app = app_factory()
    async with app.run_test(size=SIZES["wide"]) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2", "down")  # the first empty answer
        assert retro.focused.id == "why-1-a"
        await pilot.press(*"Because 2 pods", "alt+3", *" 3 replicas", "alt+2")  # digits are text
        await wait_saved(pilot)
        assert retro.focused.id.startswith("why-")
    retro_now = store.retro(seeded)
    assert retro_now.whys[0].answer == "Because 2 pods", retro_now.whys
    assert retro_now.root_cause.endswith(" 3 replicas"), retro_now.root_cause


async def test_a_long_why_shows_whole_while_focused(app_factory, store, seeded):
    store.save_why(seeded, 1, "Why did checkout fail?", LONG_ANSWER)
    app = app_factory()
    async with app.run_test(size=SIZES["small"]) as pilot:
        retro = await open_retro(app, pilot)
        detail = retro.query_one("#why-detail")
        assert not detail.display
        await pilot.press("2")  # the first open question
        await pilot.pause()
        await pilot.press("up")  # to the long one
        assert retro.focused.id == "why-1-a"
        assert detail.display
        assert LONG_ANSWER in " ".join(detail.render().plain.split())


async def test_the_root_cause_opens_at_its_start(app_factory, store, seeded):
    store.set_root_cause(
        seeded, "\n".join(f"line {n}: the pool was sized for last year" for n in range(40))
    )
    app = app_factory()
    async with app.run_test(size=SIZES["small"]) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        area = retro.query_one(RootCauseArea)
        assert area.cursor_location == (0, 0) and area.scroll_offset.y == 0


async def test_a_root_cause_saved_elsewhere_while_typing_is_not_lost(
    app_factory, store, seeded, db_path, policy, clock
):
    from warroom.store import Store

    store.set_root_cause(seeded, "remote root cause")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("3", *" LOCAL-typing")
        await wait_saved(pilot)
        saved = store.retro(seeded).root_cause
        assert "LOCAL-typing" in saved
        other = Store.open(db_path, policy, "remote", clock)
        other.set_root_cause(seeded, "REMOTE overwrite")  # the CLI's whole replacement
        other.close()
        await pilot.press(*" more")  # typed before the change is seen
        await wait_saved(pilot)
        root = store.retro(seeded).root_cause
        assert "LOCAL-typing" in root and " more" in root
        kept = " ".join(e.text for e in store.timeline(seeded) if e.event == "retro.kept_aside")
        assert "REMOTE overwrite" in root or "that one read: REMOTE overwrite" in kept
        assert "it read: " + saved in kept  # what the replacement replaced
        assert retro.query_one(RootCauseArea).text == root


async def test_a_why_saved_elsewhere_while_typing_is_not_lost(
    app_factory, store, seeded, db_path, policy, clock
):
    from warroom.store import Store

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2", "down", *"local answer")  # the first why's answer
        await wait_saved(pilot)
        other = Store.open(db_path, policy, "remote", clock)
        other.save_why(seeded, 1, "Why because CLI?", "REMOTE answer")
        other.close()
        await pilot.press(*" more")
        await wait_saved(pilot)
        why = {w.position: w for w in store.retro(seeded).whys}[1]
        assert why.question == "Why because CLI?"  # changed only there: taken
        kept = " ".join(e.text for e in store.timeline(seeded) if e.event == "retro.kept_aside")
        # Nothing lost, whether the change was seen before " more" was typed or not.
        assert "REMOTE answer" in why.answer or "that one read: REMOTE answer" in kept
        assert "local answer" in why.answer or "it read: local answer" in kept
        assert "more" in why.answer  # (a change shown mid-typing keeps the cursor's column)
        panel = retro.query_one(WhysPanel)
        assert panel.level(1).question.value == why.question


async def test_typing_after_a_change_shown_from_elsewhere_goes_on_after_it(
    app_factory, store, seeded, db_path, policy, clock
):
    """A why's answer replaced by a save elsewhere while its cursor sat at the
    end: what is typed next follows the text shown, not the old length."""
    from warroom.store import Store

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        retro = await open_retro(app, pilot)
        await pilot.press("2", "down", *"local answer")
        await wait_saved(pilot)
        other = Store.open(db_path, policy, "remote", clock)
        other.save_why(seeded, 1, "Why because CLI?", "REMOTE answer, longer")
        other.close()
        app.poll()
        await settle(app, pilot)
        panel = retro.query_one(WhysPanel)
        assert panel.level(1).answer.value == "REMOTE answer, longer"  # shown here
        await pilot.press(*" more")
        await wait_saved(pilot)
        why = {w.position: w for w in store.retro(seeded).whys}[1]
        assert why.answer == "REMOTE answer, longer more"
