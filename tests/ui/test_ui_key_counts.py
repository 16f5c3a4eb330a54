"""How many keys each common action takes from the war room, beyond the text
typed: each test presses exactly that many keys and checks the store."""

from __future__ import annotations

from warroom.tui.screens.warroom import WarRoomScreen

SIZE = (120, 36)


async def test_tick_any_item_by_its_id_in_three_keys(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "5", "space")
        await pilot.press("c", "3", "space")
        await pilot.press("i", "3", "space")  # "i" (act as) followed by a digit: item i3
        await pilot.pause()
    checklist = store.board(seeded).checklist
    assert {i for i in ("a5", "c3", "i3") if checklist[i].ticked} == {"a5", "c3", "i3"}
    assert store.board(seeded).checklist["a1"].ticked  # seeded; untouched
    assert store.identity == "alice"


async def test_assign_any_role_in_three_keys_and_the_name(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "o", *"zoe", "enter")  # o: Communicator
        await pilot.pause()
        await pilot.press("r", *"yan", "enter")  # r: Scribe, from the board
        await pilot.pause()
    board = store.board(seeded)
    assert board.holder("Communicator") == "zoe"
    assert board.holder("Scribe") == "yan"


async def test_note_in_two_keys(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"db failover done", "enter")
        await pilot.pause()
    last = store.timeline(seeded)[-1]
    assert (last.kind, last.text, last.actor) == ("note", "db failover done", "alice")


async def test_milestone_now_in_two_keys(app_factory, store, seeded, clock):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        # The clocks panel and the milestone's key: recorded now, no question.
        await pilot.press("3", "t")
        await pilot.pause()
    assert store.get_incident(seeded).triaged_at == clock()
    assert store.timeline(seeded)[-1].data.get("clock") == "triage"


async def test_publish_a_written_draft_in_two_keys(app_factory, store, seeded):
    store.save_draft(seeded, "Checkout is back for everyone.", 0)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "ctrl+o")
        await pilot.pause()
    last = [e for e in store.timeline(seeded) if e.kind == "update"][-1]
    assert last.text == "Checkout is back for everyone."
    assert last.public


async def test_correct_an_entry_in_three_keys_and_the_editing(app_factory, store, seeded):
    store.add_entry(seeded, "rollbak of checkout-api done", "change")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "enter")  # the newest entry, in the editor
        # Editing with the usual keys: Home, a word jump, the fix, End.
        await pilot.press("home", "ctrl+right", "left", "left", "c", "end", *" at 09:40")
        await pilot.press("enter")
        await pilot.pause()
    last = store.timeline(seeded)[-1]
    assert last.text == "rollback of checkout-api done at 09:40"
    assert last.supersedes is not None


async def test_declare_in_two_keys_and_the_title(app_factory, store, seeded):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n", *"Login fails", "enter")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
    assert [i.title for i in store.list_incidents()][-1] == "Login fails"


async def test_declare_with_custom_stages_and_a_refusal_keeps_the_title(tmp_path, clock):
    """A policy without Detect starts in its first stage; a refused declare brings
    the dialog back with what was typed."""
    from warroom.core.policy import load_policy
    from warroom.core.text import MAX_TITLE
    from warroom.store import Store
    from warroom.tui.app import make_app
    from warroom.tui.screens.declare import DeclareModal

    path = tmp_path / "stages.toml"
    path.write_text('stages = ["Triage", "Mitigate", "Resolve"]\n')
    policy = load_policy(path)
    store = Store.open(tmp_path / "custom.db", policy, "alice", clock)
    app = make_app(store, policy, clock=clock)
    long_title = "x" * (MAX_TITLE + 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#title").value = long_title
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeclareModal)  # refused: the dialog is back
        title = app.screen.query_one("#title")
        assert title.value == long_title  # with the title as typed
        title.value = "Login fails"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WarRoomScreen)
    declared = store.list_incidents()[-1]
    assert (declared.title, declared.stage) == ("Login fails", "Triage")
    store.close()
