"""A bracketed paste into every dialog and form field lands exactly: each test
opens the dialog with its keys, pastes into each field in turn, submits and
checks what the store holds. A newline pasted into a one-line field becomes a
space (every line is kept, as the README and help say); a block field (the
root cause, a long entry's correction) keeps it."""

from __future__ import annotations

from datetime import date, timedelta

from keyburst import burst, paste, settle
from textual.widgets import Input, TextArea

SIZE = (120, 36)
# Markup, a quote and an emoji: pasted text is text, never markup.
HOSTILE = "[bold]x[/bold] 'it' “q” 🙂"


async def paste_into(app, pilot, selector: str, text: str) -> None:
    """Focus the field, empty it, paste text into it."""
    field = app.screen.query_one(selector)
    field.focus()
    if isinstance(field, TextArea):
        field.load_text("")
    elif isinstance(field, Input):
        field.value = ""
    await settle(app, pilot)
    paste(app, text)
    await settle(app, pilot)


async def test_paste_into_the_declare_dialog(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "ctrl+n")
        await settle(app, pilot)
        await paste_into(app, pilot, "#title", f"Login fails {HOSTILE}\nfor EU users")
        await paste_into(app, pilot, "#reported", "20m\nago")
        burst(app, "enter")
        await settle(app, pilot)
    incident = store.list_incidents()[-1]
    assert incident.title == f"Login fails {HOSTILE} for EU users"
    assert incident.reported_at == clock() - timedelta(minutes=20)


async def test_paste_into_the_assign_dialog(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "2", "o")  # o: Communicator
        await settle(app, pilot)
        paste(app, "zoe.o-brien")
        burst(app, "enter")
        await settle(app, pilot)
    assert store.board(seeded).holder("Communicator") == "zoe.o-brien"


async def test_paste_into_the_act_as_dialog(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "i")
        await settle(app, pilot)
        paste(app, "yan")
        burst(app, "enter", "n", "hello", "enter")
        await settle(app, pilot)
    assert store.timeline(seeded)[-1].actor == "yan"


async def test_paste_into_every_field_of_the_action_item_form(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R", "4", "a")
        await settle(app, pilot)
        await paste_into(app, pilot, "#form-title", f"Alert on 5xx {HOSTILE}\nper region")
        await paste_into(app, pilot, "#form-owner", "bob")
        await paste_into(app, pilot, "#form-due", "2026-12-05")
        await paste_into(app, pilot, "#form-ticket", "OPS-42\nOPS-43")
        burst(app, "enter")
        await settle(app, pilot)
    assert [(i.title, i.owner, i.due, i.ticket) for i in store.action_items(seeded)] == [
        (f"Alert on 5xx {HOSTILE} per region", "bob", date(2026, 12, 5), "OPS-42 OPS-43")
    ]


async def test_paste_into_both_fields_of_the_correction_dialog(app_factory, store, seeded):
    store.add_entry(seeded, "rollbak done", "change")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "enter")  # the newest entry
        await settle(app, pilot)
        await paste_into(app, pilot, "#text", f"rollback {HOSTILE}\ndone")
        await paste_into(app, pilot, "#at", "08:55")
        burst(app, "enter")
        await settle(app, pilot)
    last = store.timeline(seeded)[-1]
    assert last.text == f"rollback {HOSTILE} done"
    assert (last.occurred_at.hour, last.occurred_at.minute) == (8, 55)
    assert last.supersedes is not None


async def test_paste_into_a_long_entrys_correction_keeps_its_lines(app_factory, store, seeded):
    long = "line one of a long entry that goes on for a while\nline two, and more words"
    store.add_entry(seeded, long, "evidence")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "4", "enter")
        await settle(app, pilot)
        await paste_into(app, pilot, "#text", f"pasted {HOSTILE}\nsecond line")
        burst(app, "ctrl+s")
        await settle(app, pilot)
    assert store.timeline(seeded)[-1].text == f"pasted {HOSTILE}\nsecond line"


async def test_paste_into_the_milestone_time_prompt(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "3", "a")  # acknowledged already: its time prompt, to move it
        await settle(app, pilot)
        paste(app, "20m ago")  # replaces the time shown, which is selected
        burst(app, "enter")
        await settle(app, pilot)
    assert store.get_incident(seeded).acknowledged_at == clock() - timedelta(minutes=20)


async def test_paste_into_both_fields_of_the_close_dialog(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "X")
        await settle(app, pilot)
        await paste_into(app, pilot, "#text", f"Rolled back {HOSTILE}\nthe release")
        await paste_into(app, pilot, "#at", "10m ago")
        burst(app, "enter")
        await settle(app, pilot)
    incident = store.get_incident(seeded)
    assert incident.resolution == f"Rolled back {HOSTILE} the release"
    assert incident.closed_at == clock() - timedelta(minutes=10)


async def test_paste_into_the_change_impact_note(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one("TimelineView")
        change = next(e for e in view.entries if e.kind == "change")
        from warroom.tui.screens.modals import ask_change_impact

        ask_change_impact(app, change)
        await settle(app, pilot)
        burst(app, "1")  # helped
        await settle(app, pilot)
        paste(app, f"errors fell {HOSTILE}\nwithin a minute")
        burst(app, "enter")
        await settle(app, pilot)
    last = store.timeline(seeded)[-1]
    assert last.event == "change.impact"
    assert (last.data["impact"], last.data["note"]) == (
        "helped",
        f"errors fell {HOSTILE} within a minute",
    )


async def test_paste_into_a_why_and_the_root_cause(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "R")
        await settle(app, pilot)
        await paste_into(app, pilot, "#why-1-a", f"a bad config {HOSTILE}\npushed")
        await paste_into(app, pilot, "RootCauseArea", f"No canary {HOSTILE}\nstage")
        burst(app, "escape")  # leaving saves
        await settle(app, pilot)
    retro = store.retro(seeded)
    assert retro.whys[0].answer == f"a bad config {HOSTILE} pushed"
    assert retro.root_cause == f"No canary {HOSTILE}\nstage"


def test_help_says_what_a_pasted_newline_becomes():
    from warroom.tui.screens.help import legend

    assert "a newline pasted into a one-line field becomes a space" in legend().plain
