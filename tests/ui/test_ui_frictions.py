"""Keys that do what they say, at 2 a.m.: each test drives keys with no pause
between them and checks what the store holds as well as what the screen shows."""

from __future__ import annotations

from keyburst import burst, settle
from textual import events

from warroom.tui.screens.help import HelpScreen
from warroom.tui.toasts import shown_toasts
from warroom.tui.widgets.keybar import KeyBar

SIZE = (120, 36)


def keybar_text(app) -> str:
    return " ".join(
        f"{shown} {description}" for _k, shown, description, _e in app.screen.query_one(KeyBar).keys
    )


# ------------------------------------------------ 1. help from inside a field
async def test_f1_opens_help_from_the_draft_and_question_mark_is_text(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5", "why? because", "f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        burst(app, "f1")  # closes it again
        await settle(app, pilot)
        assert not isinstance(app.screen, HelpScreen)
        panel = app.screen.query_one("#panel-5")
        assert panel.editor.text.startswith("why? because[P2]")
        assert "f1 Help" in keybar_text(app)
        panel.flush()
        await settle(app, pilot)
    assert store.draft(seeded).text.startswith("why? because[P2]")


# ------------------------------------- 2. retro sections from inside a field
async def test_retro_section_keys_work_from_a_why_and_2_lands_on_the_question(
    app_factory, store, seeded
):
    from test_ui_retro import wait_saved

    from warroom.tui.widgets.retro_whys import RootCauseArea, WhyInput, WhysPanel

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "2")
        await settle(app, pilot)
        whys = app.screen.query_one(WhysPanel)
        assert app.focused is whys.levels[0].question  # the question first
        assert "alt+1-4 Section" in keybar_text(app)
        burst(app, "down", "3 retries hid it", "alt+3", "3 pools too small")
        await settle(app, pilot)
        assert isinstance(app.focused, RootCauseArea)
        assert app.focused.text == "3 pools too small"
        assert whys.levels[0].answer.value == "3 retries hid it"
        assert isinstance(whys.levels[0].answer, WhyInput)
        await wait_saved(pilot)
    retro = store.retro(seeded)
    assert retro.root_cause == "3 pools too small"
    assert retro.whys[0].answer == "3 retries hid it"


# ------------------------- 3. a closed incident's clocks: met or missed, never overdue
async def test_a_closed_incident_from_2018_shows_no_overdue_clock(app_factory, store, clock):
    from datetime import UTC, datetime

    from warroom.tui.widgets.clocks import ClocksPanel, ClockView

    reported = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)
    incident = store.declare("Replayed from 2018", "regression", "P2", reported_at=reported)
    store.close_incident(incident.id, "Rolled back", at=datetime(2018, 3, 1, 11, 0, tzinfo=UTC))
    app = app_factory(start_incident=incident.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one(ClocksPanel)
        shown = "\n".join(line.plain for line in app.screen.query_one(ClockView).lines())
        assert "OVERDUE" not in shown.upper(), shown
        assert "over" not in shown.split(), shown
        assert "missed" in shown and "not recorded" in shown, shown
        assert panel.incident.closed_at is not None
    stored = store.get_incident(incident.id)
    assert stored.closed_at is not None and stored.retro_at is None


# ------------------------------------------------- 7. words that agree
async def test_help_lists_every_quit_key_and_read_only_says_it_was_asked(
    app_factory, store, seeded, db_path, policy, clock
):
    from warroom.core.errors import ReadOnly
    from warroom.store import Store
    from warroom.tui.screens.help import collect_bindings

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "f1")
        await settle(app, pilot)
        rows = collect_bindings(app.screen.under)
        quits = {keys for where, keys, does, _id in rows if does == "Quit" and where == "global"}
        assert quits == {"q", "^q"}, rows
    watching = Store.open(db_path, policy, "alice", clock, read_only=True)
    try:
        try:
            watching.add_entry(seeded, "x", "note")
        except ReadOnly as exc:
            said = str(exc)
        assert "--read-only" in said and "for you" not in said
    finally:
        watching.close()
    assert all(e.text != "x" for e in store.timeline(seeded))


def test_a_and_an_in_the_impact_error(store, seeded):
    import pytest

    from warroom.core.errors import UsageError

    evidence = store.add_entry(seeded, "5xx at 12%", "evidence")
    with pytest.raises(UsageError, match=f"entry {evidence.id} is evidence, not a change"):
        store.set_change_impact(evidence.id, "helped", "")
    decision = store.add_entry(seeded, "roll back", "decision")
    with pytest.raises(UsageError, match=f"entry {decision.id} is a decision, not a change"):
        store.set_change_impact(decision.id, "helped", "")
    assert store.entry(evidence.id).data.get("impact") is None


# --------------------------------------- 8. one toast at a time, away from typing
async def test_toasts_replace_each_other_and_stay_off_the_notes_and_draft(
    app_factory, store, seeded
):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        burst(app, "4", "n", "typing a note")
        await settle(app, pilot)
        for n in range(3):
            app.notify(f"notice {n}", timeout=30)
        await settle(app, pilot)
        assert [n.message for n in shown_toasts(app)] == ["notice 2"]
        app.notify("db trouble", severity="error", timeout=30)
        app.notify("later notice", timeout=30)
        await settle(app, pilot)
        assert sorted(n.message for n in shown_toasts(app)) == ["db trouble", "later notice"]
        notes = app.screen.query_one("#panel-4").region
        draft = app.screen.query_one("#panel-5").region
        for _ in range(50):  # the rack is rebuilt after the loop's next turn
            toasts = list(app.screen.query("Toast"))
            if len(toasts) == 2:
                break
            await pilot.pause(0.05)
        assert len(toasts) == 2
        for toast in toasts:
            assert not toast.region.overlaps(notes), (toast.region, notes)
            assert not toast.region.overlaps(draft), (toast.region, draft)
        burst(app, "enter")
        await settle(app, pilot)
    assert any(e.text == "typing a note" for e in store.timeline(seeded))


async def test_a_replaced_toast_leaves_no_holder_and_the_kept_one_keeps_its_time(
    app_factory, store, seeded
):
    """Replacing a toast takes it off the rack whole (Textual's rack kept an
    empty holder for each withdrawn toast, one more widget each time); a toast
    of another kind stays with the time it had left, and one dismissed by a
    click is not shown again by a later replacement."""
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:

        async def rack_shows(count: int) -> list:
            for _ in range(100):  # the rack is rebuilt after the loop's next turn
                holders = list(app.screen.query("ToastHolder"))
                if len(holders) == count and len(app.screen.query("Toast")) == count:
                    return holders
                await pilot.pause(0.05)
            holders = list(app.screen.query("ToastHolder"))
            raise AssertionError(f"{len(holders)} toast holders, expected {count}")

        app.notify("you lead", title="Role for you", timeout=30)
        await settle(app, pilot)
        (role,) = shown_toasts(app)
        for n in range(4):  # in one go: each replaces the last before it is shown
            app.notify(f"notice {n}", timeout=30)
        await settle(app, pilot)
        assert [n.message for n in shown_toasts(app)] == ["you lead", "notice 3"]
        assert shown_toasts(app)[0].raised_at == role.raised_at
        await rack_shows(2)
        # A click as the terminal sends it (Pilot.click skips the app's own
        # handling of the mouse): down and up on the oldest toast, the role's.
        x, y = app.screen.query("Toast").first().region.center
        for press in (events.MouseDown, events.MouseUp):
            app.post_message(press(None, x, y, 0, 0, 1, False, False, False))
        await rack_shows(1)
        app.notify("notice 4", timeout=30)
        await settle(app, pilot)
        assert [n.message for n in shown_toasts(app)] == ["notice 4"]
        await rack_shows(1)


# ------------------------------ 9. marks told apart by shape, not colour alone
async def test_the_drill_box_shows_its_tick_and_the_declared_drill_is_stored(
    app_factory, store, seeded, monkeypatch
):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "ctrl+n", "Game day: failover")
        await settle(app, pilot)
        box = app.screen.query_one("#drill")
        assert box.render().plain.startswith("[ ]")  # not ticked: no x
        box.focus()
        await settle(app, pilot)
        burst(app, " ")  # the space bar
        await settle(app, pilot)
        assert box.value and box.render().plain.startswith("[x]")
        app.screen.query_one("#title").focus()
        burst(app, "enter")
        await settle(app, pilot)
    drills = [i for i in store.list_incidents(include_closed=True) if i.drill]
    assert [i.title for i in drills] == ["Game day: failover"]


def test_a_hit_bar_carries_its_number_and_its_shape():
    from warroom.tui.screens.report import hit_bar

    quarter, three = hit_bar(1, 4).plain, hit_bar(3, 4).plain
    assert quarter.endswith(" 25%") and three.endswith(" 75%")
    assert quarter.count("█") < three.count("█") and "░" in quarter


# ------------------------------- 10. draft versions told apart in the history
async def test_the_draft_history_shows_what_each_version_changed(app_factory, store, seeded, clock):
    from warroom.tui.screens.modals import ChoiceModal

    head = f"[P2] Incident #{seeded}: Checkout\n"
    base = store.draft(seeded).version
    texts = [
        head + "Status: investigating\n",
        head + "Status: fixing\n",
        head + "Status: fixing\nETA 10:00",
    ]
    for text in texts:
        clock.advance(minutes=1)
        base = store.save_draft(seeded, text, base).version
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "5", "ctrl+r")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, ChoiceModal)
        newest, middle, first = modal.choices[:3]
        assert newest.endswith("alice: line 3: ETA 10:00"), newest
        assert middle.endswith("alice: line 2: Status: fixing"), middle
        assert "09:03" in newest and "09:02" in middle
        assert first.endswith(f"line 1: [P2] Incident #{seeded}: Checkout"), first
        burst(app, "escape")
        await settle(app, pilot)
    assert [v.text for v in store.draft_history(seeded)][-3:] == texts
