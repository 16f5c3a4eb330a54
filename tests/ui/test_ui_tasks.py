"""The tasks tab beside the checklist: reached with one key, the keys on a
task written through the write queue, and toasts for tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from keyburst import settle

from warroom.store import Store
from warroom.tui.screens.modals import TextPrompt
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.toasts import shown_toasts
from warroom.tui.widgets.checklist import ChecklistPanel
from warroom.tui.widgets.tasks import TaskList, TasksPanel

WIDE, SMALL = (120, 36), (80, 24)


def rows(app) -> list[str]:
    return [t.plain for t in app.screen.query_one(TaskList).texts]


async def wait_for_rows(app, pilot, wanted) -> None:
    for _ in range(200):
        await settle(app, pilot)
        if wanted(rows(app)):
            return
        await pilot.pause(0.05)
    raise AssertionError(rows(app))


@pytest.mark.parametrize("size", [WIDE, SMALL])
async def test_t_shows_the_tasks_in_place_of_the_checklist(app_factory, store, seeded, size):
    store.assign(seeded, "Change owner", "alice")
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("t")
        await wait_for_rows(app, pilot, lambda r: len(r) >= 4)
        panel = app.screen.query_one(TasksPanel)
        assert panel.display and not app.screen.query_one(ChecklistPanel).display
        assert app.focused is app.screen.query_one(TaskList)
        # alice's own open task first: she is the change owner.
        assert rows(app)[0].startswith("□ Identify the deploy and decide on a rollback — alice")
        await pilot.press("t")
        await settle(app, pilot)
        assert app.screen.query_one(ChecklistPanel).display and not panel.display


async def test_task_keys_start_done_skip_assign_add(app_factory, store, seeded, db_path, policy):
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await wait_for_rows(app, pilot, lambda r: len(r) >= 4)
        first = app.screen.query_one(TasksPanel).tasks[0]
        await pilot.press("enter")  # start
        await wait_for_rows(app, pilot, lambda r: r[0].startswith("▶"))
        await pilot.press("space")  # done
        await wait_for_rows(app, pilot, lambda r: any(x.startswith("■") for x in r))
        await pilot.press("home", "minus")
        await settle(app, pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"not needed", "enter")
        await settle(app, pilot)
        await pilot.press("plus")
        await settle(app, pilot)
        await pilot.press(*"Call the vendor", "enter")
        await wait_for_rows(app, pilot, lambda r: any("Call the vendor" in x for x in r))
    reader = Store.open(db_path, policy, "reader")
    try:
        tasks = reader.tasks(seeded)
        done = reader.task(first.id)
        assert (done.status, done.changed_by) == ("done", "alice")
        assert any(t.status == "skipped" and t.note == "not needed" for t in tasks)
        added = next(t for t in tasks if t.title == "Call the vendor")
        assert added.owner == "alice"
        events = [e.event for e in reader.timeline(seeded)]
        assert {"task.start", "task.done", "task.skip", "task.add"} <= set(events)
    finally:
        reader.close()


async def test_a_task_given_to_you_is_a_toast(app_factory, store, seeded, db_path, policy):
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await wait_for_rows(app, pilot, lambda r: len(r) >= 4)
        other = Store.open(db_path, policy, "bob", store.clock)
        try:
            task = other.add_task(
                seeded,
                "Post the first update",
                assignee="alice",
                due_at=store.clock() + timedelta(minutes=20),
            )
        finally:
            other.close()
        for _ in range(200):
            await settle(app, pilot)
            said = [n.message for n in shown_toasts(app)]
            if any(m.startswith("task: Post the first update due") for m in said):
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError(said)
        assert task.owner == "alice"


async def test_the_header_says_an_overdue_task_of_yours(app_factory, store, seeded):
    from warroom.tui.widgets.header import IncidentHeader

    store.assign(seeded, "Coordinator", "alice")  # "Name a lead" is the Coordinator's
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        header = app.screen.query_one(IncidentHeader)
        for _ in range(200):
            await settle(app, pilot)
            if "task Name a lead" in header.render().plain:
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError(header.render().plain)
        assert "35m over" in header.render().plain


async def test_a_role_given_to_you_brings_its_tasks_as_a_toast(
    app_factory, store, seeded, db_path, policy
):
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        other = Store.open(db_path, policy, "bob", store.clock)
        try:
            other.assign(seeded, "Change owner", "alice")
        finally:
            other.close()
        for _ in range(200):
            await settle(app, pilot)
            said = [n.message for n in shown_toasts(app)]
            if any(m.startswith("task: Identify the deploy") for m in said):
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError(said)


async def test_task_text_reaches_the_terminal_only_made_visible(app_factory, store, seeded):
    store.add_task(seeded, "evil \x1b[2J\x1b]8;;http://x\x07title", assignee="alice")
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await wait_for_rows(app, pilot, lambda r: any("evil" in x for x in r))
        row = next(x for x in rows(app) if "evil" in x)
        assert "\x1b" not in row and "\x07" not in row
        assert "␛[2J" in row


async def test_action_items_as_issue_links_drawn_safely(app_factory, store, seeded):
    from warroom.tui.screens.followup_links import LinksModal, safe_link

    store.add_action(seeded, "Add an EU \x1b]8;;http://evil\x07fixture", owner="bob")
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.press("L")
        await settle(app, pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"acme/shop", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LinksModal)
        ((title, url),) = app.screen.rows
        assert url.startswith("https://github.com/acme/shop/issues/new?title=Add%20an%20EU%20%1B")
        assert safe_link(url) == url
        shown = app.screen.query(".issue-link").first().render()
        assert "\x1b" not in shown.plain and "␛" in shown.plain
        assert any(span.style.link == url for span in shown.spans if hasattr(span.style, "link"))
    assert safe_link("https://x/\x1b]8;;") is None and safe_link("javascript:alert(1)") is None


async def test_a_task_after_another_says_what_it_waits_on(app_factory, store, clock):
    iid = store.declare("Keys leaked", "security breach", "P1").id
    app = app_factory()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t")
        await wait_for_rows(app, pilot, lambda r: any("Decide who must be told" in x for x in r))
        tell = next(x for x in rows(app) if "Decide who must be told" in x)
        assert "after Preserve evidence before changing anything" in tell
    assert iid
