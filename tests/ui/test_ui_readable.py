"""What the war room shows in full: checklist under its CIA headings, the
header's parts, whole names on the role board, the selected entry in full,
search and kinds in the timeline, and a notice when a role is handed to you."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.errors import NoWidget
from textual.geometry import Region

from warroom.store import Store
from warroom.tui.toasts import shown_toasts
from warroom.tui.widgets.checklist import ChecklistList
from warroom.tui.widgets.header import DROP_ORDER, IncidentHeader, fit_header
from warroom.tui.widgets.timeline import EntryDetail, TimelineView

LONG = "x" * 30 + " the pool size fix lands at 10:40 and is watched for ten minutes " + "y" * 30


def screen_text(app) -> str:
    """The screen's text as its widgets draw it now, painted back to front
    where each is placed and clipped (a wide character fills its first cell)."""
    screen = app.screen
    width, height = screen.size
    rows = [[" "] * width for _ in range(height)]
    placed = []
    for widget in (screen, *screen.query("*")):
        try:
            geometry = screen.find_widget(widget)
        except NoWidget:
            continue
        placed.append((geometry.order, geometry.region, geometry.visible_region, widget))
    for _, region, visible, widget in sorted(placed, key=lambda place: place[0]):
        if not visible:
            continue
        crop = Region(visible.x - region.x, visible.y - region.y, visible.width, visible.height)
        for y, strip in zip(visible.line_range, widget.render_lines(crop), strict=False):
            x = visible.x
            for segment in strip:
                for char in segment.text:
                    if x < width and y < height:
                        rows[y][x] = char
                        for cell in range(x + 1, min(x + cell_len(char), width)):
                            rows[y][cell] = ""
                    x += cell_len(char)
    return "\n".join("".join(row) for row in rows)


def words_in(app, selector: str) -> str:
    """The words a widget shows on screen, its wrapped lines run together."""
    region = app.screen.query_one(selector).content_region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right] for line in lines).split())


async def test_checklist_items_in_full_under_cia_headings(app_factory, seeded):
    app = app_factory()
    for size in ((120, 36), (80, 24)):
        async with app_factory().run_test(size=size) as pilot:
            await pilot.pause()
            shown = screen_text(pilot.app)
            flat = words_in(pilot.app, "#checklist-list")
            for heading in ("Confidentiality", "Integrity", "Availability"):
                assert heading in shown
            for item in app.policy.checklist:
                assert item.text in flat, (size, item.text)
            assert "ticked by alice" in flat


async def test_header_names_every_part_at_120_and_drops_in_order_when_narrow(
    app_factory, store, seeded
):
    store.assign(seeded, "Scribe", "alice")
    async with app_factory().run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        line = str(pilot.app.screen.query_one(IncidentHeader).render())
        for part in ("#1", "P2", "as alice (Scribe)", "Detect", "age 50m"):
            assert part in line, part
        assert "OVERDUE" in line or "left" in line
        # The whole title (39 cells) and the category do not both fit: the
        # title comes first, whole, and the category goes.
        assert "Checkout returns 500 for EU users [bold]" in line and "…" not in line, line
    async with app_factory().run_test(size=(150, 36)) as pilot:
        await pilot.pause()
        line = str(pilot.app.screen.query_one(IncidentHeader).render())
        for part in ("Checkout returns 500 for EU users [bold]", "Detect", "regression", "age 50m"):
            assert part in line, part
    lead = Text("#1  P2  ")
    parts = [
        ("urgent", Text("✖ OVERDUE: update 5m over")),
        ("as", Text("as alice")),
        ("roles", Text("(Scribe)")),
        ("stage", Text("Detect")),
        ("category", Text("regression")),
        ("age", Text("age 50m")),
    ]
    seen = []
    for width in range(130, 40, -1):
        line = fit_header(lead, "Checkout returns 500", parts, width).plain
        assert line.startswith("#1  P2  ") and "OVERDUE" in line and "as alice" in line
        for name, part in parts:
            if part.plain not in line and name not in seen:
                seen.append(name)
    names = {name for name, _ in parts}
    assert seen == [name for name in DROP_ORDER if name in names]


async def test_the_title_stays_whole_before_category_and_age(app_factory, store, clock):
    """The title first, then the warning, then who you act as: at 120 columns a
    long title shows whole and the category and age go; at 80 the stage and the
    roles go too and the title is cut; at 200 everything shows."""
    from datetime import timedelta

    title = "Checkout returns HTTP 500 for EU customers"
    iid = store.declare(
        title, "regression or bug", "P1", reported_at=clock() - timedelta(hours=3)
    ).id
    store.assign(iid, "Coordinator", "alice")
    store.record_milestone(iid, "acknowledge", clock() - timedelta(hours=2))
    every = ("as alice (Coordinator)", "Detect", "regression or bug", "age 3h00m")
    for size, kept, dropped in (
        ((200, 50), (title, "times UTC", *every), ()),
        ((120, 36), (title, "as alice (Coordinator)", "Detect"), ("regression", "age 3h")),
        ((80, 24), ("as alice",), ("(Coordinator)", "Detect", "regression", "age 3h")),
    ):
        async with app_factory().run_test(size=size) as pilot:
            await pilot.pause()
            line = screen_text(pilot.app).splitlines()[0]
            assert line.startswith(f" #{iid}  P1  {title[:12]}")
            assert "OVERDUE" in line or "left" in line
            for part in kept:
                assert part in line, (size, part)
            for part in dropped:
                assert part not in line, (size, part)
            if size == (80, 24):
                assert f"{title[:25]}" in line and "… · " in line, line


async def test_waiting_for_database_is_never_cut_at_80(app_factory, seeded):
    async with app_factory().run_test(size=(80, 24)) as pilot:
        header = pilot.app.screen.query_one(IncidentHeader)
        header.show(header.incident, "alice", header.now, "WAITING FOR DATABASE (2 queued)")
        await pilot.pause()
        assert "WAITING FOR DATABASE (2 queued)" in screen_text(pilot.app).splitlines()[0]


async def test_role_board_shows_long_names_and_who_held_it_before(app_factory, store, seeded):
    store.assign(seeded, "Coordinator", "maximiliana.papadopoulou")
    store.assign(seeded, "Coordinator", "bartholomew.oyelaran")
    async with app_factory().run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        flat = words_in(pilot.app, "#role-list")
        assert "bartholomew.oyelaran" in flat
        assert "(was maximiliana.papadopoulou)" in flat
        for role in ("Lead", "Scribe", "Communicator", "Responders"):
            assert role in flat


async def test_selected_entry_reads_in_full_and_replaced_entries_say_so(app_factory, store, seeded):
    wrong = store.add_entry(seeded, LONG, "evidence")
    fixed = store.correct(wrong.id, LONG.replace("10:40", "10:45"))
    for size in ((120, 36), (80, 24)):
        async with app_factory().run_test(size=size) as pilot:
            await pilot.press("4", "up")
            await pilot.pause()
            detail = pilot.app.screen.query_one(EntryDetail)
            assert detail.entry.id == wrong.id
            flat = words_in(pilot.app, "#entry-detail").replace(" ", "")
            assert LONG.replace(" ", "") in flat
            assert f"replacedby#{fixed.id}" in flat
            view = pilot.app.screen.query_one(TimelineView)
            row = view.format_entry(wrong).plain
            assert row.index(f"[replaced by #{fixed.id}]") < row.index("xxx")


async def test_published_updates_show_their_own_lines(app_factory, store, seeded):
    for said in ("checkout works again", "fix deployed"):
        store.publish_update(
            seeded, f"[P2] Incident #{seeded}: Checkout\nStatus: Respond\nWhat is happening: {said}"
        )
    async with app_factory().run_test(size=(120, 36)) as pilot:
        await pilot.press("4")
        view = pilot.app.screen.query_one(TimelineView)
        rows = [view.format_entry(e).plain for e in view.entries if e.kind == "update"]
        assert "checkout works again" in rows[0] and "fix deployed" in rows[1]
        assert all("Incident #" not in row for row in rows)


async def test_timeline_search_and_kind_filter_in_the_war_room(app_factory, store, seeded):
    async with app_factory().run_test(size=(120, 36)) as pilot:
        await pilot.press("4", "slash", *"ROLL")
        await pilot.pause()
        view = pilot.app.screen.query_one(TimelineView)
        assert [e.text for e in view.entries] == [
            "Roll back release 2026.11.28-1",
            "Rolled back checkout-api to 2026.11.27-3",
        ]
        await pilot.press("enter", "f", "f")  # kept; then only decisions
        assert [e.kind for e in view.entries] == ["decision"]
        assert "decisions" in pilot.app.screen.query_one("#panel-4").border_subtitle
        await pilot.press("slash", "escape")  # search cleared, the kind stays
        assert {e.kind for e in view.entries} == {"decision"}
        await pilot.press("f", "f", "f", "f")  # round to all
        assert len(view.entries) == len(store.timeline(seeded))


async def test_search_covers_entries_not_loaded_yet(app_factory, store, seeded):
    store.add_entry(seeded, "needle in the oldest page", "note")
    for n in range(450):
        store.add_entry(seeded, f"filler {n}", "note")
    async with app_factory().run_test(size=(120, 36)) as pilot:
        await pilot.press("4", "slash", *"needle", "enter")
        await pilot.pause()
        view = pilot.app.screen.query_one(TimelineView)
        assert [e.text for e in view.entries] == ["needle in the oldest page"]


async def test_role_handed_to_you_shows_a_notice_and_the_header(
    app_factory, store, seeded, db_path, policy, clock
):
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        other = Store.open(db_path, policy, "carol", clock)
        other.assign(seeded, "Communicator", "alice")
        other.close()
        app.poll()
        await pilot.pause()
        messages = [n.message for n in shown_toasts(app)]
        assert "carol made you Communicator" in messages
        assert "as alice (Communicator)" in str(app.screen.query_one(IncidentHeader).render())
        # Taking a role yourself is not news.
        await pilot.press("2", "r", *"alice", "enter")
        await pilot.pause()
        assert sum("made you" in m for m in (n.message for n in shown_toasts(app))) == 1
    assert store.board(seeded).holder("Scribe") == "alice"


async def test_checklist_jump_keys_leave_act_as_working(app_factory, store, seeded):
    async with app_factory().run_test(size=(120, 36)) as pilot:
        await pilot.press("a", "3")
        checklist = pilot.app.screen.query_one(ChecklistList)
        assert checklist.highlighted_id == "a3"
        await pilot.press("i", *"zoe", "enter", "space")
        await pilot.pause()
    assert store.board(seeded).checklist["a3"].by == "zoe"


async def test_the_incident_lists_most_urgent_clock_is_never_cut(app_factory, store, seeded, clock):
    from datetime import timedelta

    # Acknowledge not yet recorded, 20m into a P3: the longest state word.
    store.declare("Login latency", "performance", "P3", reported_at=clock() - timedelta(hours=2))
    for size in ((120, 36), (80, 24)):
        async with app_factory().run_test(size=size) as pilot:
            await pilot.press("escape")  # from the war room to the list
            await pilot.pause()
            table = pilot.app.screen.query_one("#incidents")
            cells = [str(table.get_row_at(n)[-1]) for n in range(table.row_count)]
            shown = screen_text(pilot.app)
            for cell in cells:
                assert cell in shown, (size, cell)


async def test_a_long_why_without_focus_shows_its_beginning_cut_with_an_ellipsis(
    app_factory, store, seeded
):
    """A field shows one line: the why that has not got focus shows how it
    begins, marked as cut, not the tail the cursor last left in view."""
    answer = (
        "the release skipped review because the reviewer was paged for another incident"
        " and nobody else was on the rota that week"
    )
    store.save_why(seeded, 1, "Why did checkout fail?", answer)
    async with app_factory().run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("2", "up", "end")  # into the long answer, its end in view
        await pilot.pause()
        field = pilot.app.screen.query_one("#why-1-a")
        assert pilot.app.focused is field
        region = field.content_region
        row = lambda: screen_text(pilot.app).splitlines()[region.y][region.x : region.right]  # noqa: E731
        await pilot.press("down")  # focus leaves it
        await pilot.pause()
        assert pilot.app.focused is not field
        shown = row().rstrip()
        assert shown.startswith("the release skipped") and shown.endswith("…"), shown
        assert store.retro(seeded).whys[0].answer == answer  # only the picture is cut


async def test_the_note_hint_says_how_to_leave_the_field_at_every_size(app_factory, seeded):
    """After Enter the note input keeps focus for the next note; its hint says
    how to leave it for a panel without losing text, whole at each size."""
    from warroom.tui.widgets.timeline import NoteInput

    for size in ((80, 24), (120, 36), (200, 50)):
        async with app_factory().run_test(size=size) as pilot:
            await pilot.press("n", *"first", "enter")
            await pilot.pause()
            field = pilot.app.screen.query_one(NoteInput)
            assert pilot.app.focused is field and field.value == ""
            hint = field.placeholder
            assert "esc" in hint and "leave, text kept" in hint, (size, hint)
            if size != (80, 24):
                assert "alt+1-5" in hint, (size, hint)
            region = field.content_region
            row = screen_text(pilot.app).splitlines()[region.y][region.x : region.right]
            assert hint in row, (size, row)


async def test_the_incident_list_fits_stage_overdue_and_countdown_and_counts_incidents(
    tmp_path, clock
):
    """At 80 and 120 columns the list shows a policy's stage whole (a longer one
    ends in an ellipsis), OVERDUE and the countdown, and counts incidents in words."""
    from datetime import timedelta

    from warroom.core.policy import load_policy
    from warroom.tui.app import make_app
    from warroom.tui.screens.incidents import IncidentsScreen

    path = tmp_path / "stages.toml"
    path.write_text('stages = ["Triage", "Mitigate", "Resolve", "Waiting for the vendor"]\n')
    policy = load_policy(path)
    store = Store.open(tmp_path / "list.db", policy, "alice", clock)
    reported = clock() - timedelta(hours=3)
    late = store.declare(
        "Login page slow", "regression", "P1", reported_at=reported, stage="Mitigate"
    )
    store.declare(
        "Disk filling", "performance", "P1", reported_at=reported, stage="Waiting for the vendor"
    )
    done = store.declare("Search results empty", "regression", "P3")
    store.close_incident(done.id, "Index rebuilt")
    assert store.get_incident(late.id).stage == "Mitigate"
    for size in ((80, 24), (120, 36)):
        async with make_app(store, policy, clock=clock).run_test(size=size) as pilot:
            await pilot.pause()
            assert isinstance(pilot.app.screen, IncidentsScreen)
            rows = screen_text(pilot.app).splitlines()
            assert "warroom · 2 incidents open · as alice" in rows[0], rows[0]
            login = next(row for row in rows if "Login" in row)
            assert " Mitigate " in login, (size, login)
            assert "✖ OVERDUE" in login and login.rstrip().endswith(" 2h30m"), (size, login)
            disk = next(row for row in rows if "Disk" in row)
            assert "Waiting" in disk and "…" in disk and "OVERDUE" in disk, (size, disk)
            await pilot.press("c")
            await pilot.pause()
            first = screen_text(pilot.app).splitlines()[0]
            assert "2 incidents open, 1 closed" in first, first
    store.close()


def test_one_incident_reads_in_the_singular():
    from warroom.tui.screens.incidents import incident_counts

    assert incident_counts(1, None) == "1 incident open"
    assert incident_counts(0, 1) == "0 incidents open, 1 closed"


async def test_the_clock_keys_are_spelt_out_where_they_fit(app_factory, seeded):
    """No bare 'a t r o': the clocks panel's border names what each key records
    where it fits; where not, the key is underlined in each clock's name."""
    from warroom.tui.widgets.clocks import ClocksPanel, ClockView

    spelt = "a acknowledged · t triaged · r remediated · o retro held"
    for size, keys in (((80, 24), "3"), ((120, 36), ""), ((200, 50), "")):
        async with app_factory().run_test(size=size) as pilot:
            await pilot.press(*keys)
            await pilot.pause()
            shown = screen_text(pilot.app)
            assert "a t r o" not in shown
            panel = pilot.app.screen.query_one(ClocksPanel)
            if size == (120, 36):
                assert "underlined key: record it now" in shown
            else:
                assert spelt in shown, size
            view = pilot.app.screen.query_one(ClockView)
            underlined = {
                line.plain[span.start : span.end]
                for line in panel.render_clocks(panel.now, view.size.width).renderables
                for span in line.spans
                if "underline" in str(span.style)
            }
            assert underlined == {"a", "t", "r", "o"}, (size, underlined)


async def test_the_clock_keys_shown_are_the_remapped_ones(app_factory, seeded):
    from warroom.services.config import Config
    from warroom.tui.widgets.clocks import ClocksPanel

    app = app_factory(config=Config(keymap={"clocks.triage": "K"}))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        assert pilot.app.screen.query_one(ClocksPanel).keys["triage"] == "K"
        assert "K triaged" in screen_text(pilot.app)
