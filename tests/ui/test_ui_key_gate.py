"""What the key gate (warroom/tui/keygate.py) is for, shown on the store: keys
and pastes sent with no pause between them, across focus moves (the list, a
dialog, the war room being built, a panel, the note input), land every
character where it was aimed. Without the gate (each key handed on at once)
the keys typed behind a focus move reach the old target."""

from __future__ import annotations

from keyburst import burst, paste, settle

SIZE = (120, 36)


def notes(store, iid):
    return [e.text for e in store.timeline(iid) if e.kind == "note"]


async def test_notes_and_a_paste_across_focus_moves_in_one_burst(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        before = notes(store, seeded)
        # 4: the timeline; n: its note input; escape, 1, 4, n: away and back.
        burst(app, "4", "n", "first note", "enter", "escape", "1", "4", "n")
        paste(app, "pasted, with a comma")
        burst(app, " and typed", "enter")
        await settle(app, pilot)
    assert notes(store, seeded)[len(before) :] == ["first note", "pasted, with a comma and typed"]


async def test_keys_typed_behind_a_declare_reach_the_new_war_room(app_factory, store, seeded):
    """Declare, then straight on in the same burst: the keys behind the
    dialog's enter wait for the new incident's war room (its write is on the
    database worker), instead of reaching the incident list meanwhile."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "escape")  # from the war room to the list
        await settle(app, pilot)
        burst(app, "ctrl+n", "Disk full on db-2", "enter", "4", "n", "first look", "enter")
        await settle(app, pilot)
        fresh = [i for i in store.list_incidents() if i.title == "Disk full on db-2"]
        assert len(fresh) == 1
        assert notes(store, fresh[0].id) == ["first look"]
