"""The retro for one incident: the timeline retold, five whys, root cause, action items.

Like the war room, keys become writes through the app, and every section is
redrawn from what the store then holds; what is typed is saved as it is typed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.css.query import NoMatches
from textual.widget import Widget

from warroom.core.model import Incident
from warroom.core.sla import clock_states
from warroom.core.timefmt import fmt_clock, fmt_short_time, zone_label
from warroom.services.writes import (
    AddAction,
    AddEntry,
    SaveWhy,
    SetActionDone,
    SetRootCause,
    UpdateAction,
)
from warroom.tui.screens import closing
from warroom.tui.screens.modals import (
    TextPrompt,
    ask_correction,
    ask_milestone_time,
    refused_read_only,
)
from warroom.tui.screens.panels import PanelScreen, TabStrip
from warroom.tui.widgets.common import STATE_STYLE, lit
from warroom.tui.widgets.header import title_line
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.owned import shown, while_shown
from warroom.tui.widgets.reads import reads, told
from warroom.tui.widgets.retro_actions import ActionForm, ActionList, ActionsPanel
from warroom.tui.widgets.retro_timeline import START_EVENT, RetroTimeline, RetroTimelinePanel
from warroom.tui.widgets.retro_whys import (
    LeaveField,
    RootCauseArea,
    RootCausePanel,
    WhyInput,
    WhysPanel,
)
from warroom.tui.widgets.timeline import TimelineView

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room

# Below this size the sections are shown one at a time, as tabs.


class RetroHeader(Widget):
    """Which incident, its status, and where the retro clock stands."""

    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    DEFAULT_CSS = """
    RetroHeader { height: 1; background: $boost; padding: 0 1; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.incident: Incident | None = None
        self.now: datetime | None = None

    def show(self, incident: Incident, now: datetime) -> None:
        self.incident = incident
        self.tick(now)

    def tick(self, now: datetime) -> None:
        self.now = now
        self.refresh()

    def retro_clock(self, short: bool = False) -> Text:
        incident, now = self.incident, self.now
        assert incident is not None and now is not None  # shown once the incident is read
        app = self.app
        states = clock_states(app.policy, incident, now)
        clock = next((c for c in states if c.name == "retro"), None)
        if clock is None:  # a priority this policy lacks: no clocks
            return Text(f"retro: no clock ({incident.priority} is not in the policy)")
        word, style = STATE_STYLE[clock.state]
        if clock.stopped_at is not None:
            return Text.assemble(
                "retro held ",
                (fmt_short_time(clock.stopped_at, app.utc, now), "bold"),
                " ",
                (word, style),
            )
        when = "left" if clock.remaining.total_seconds() >= 0 else "over"
        if short:
            return Text.assemble("retro ", (f"{fmt_clock(clock.remaining)} {when}", style))
        return Text.assemble("retro due ", (f"{word} {fmt_clock(clock.remaining)} {when}", style))

    def render(self) -> Text:
        """Built at paint time, when the width is known, so the title fits."""
        incident = self.incident
        if incident is None or self.now is None:
            return Text("")
        width = (self.size.width or self.app.size.width) - 2
        lead = Text.assemble((f"#{incident.id} ", "bold"), (" RETRO ", "bold reverse"), " ")
        status = Text("OPEN" if incident.is_open else "CLOSED", style="bold")
        note = getattr(self.app, "status_note", "")  # READ-ONLY, waiting for the database
        identity = lit(self.app.store.identity, "bold underline")
        # The longest tail that leaves the title some room; narrow terminals
        # drop words first, then who you act as (the war room shows it).
        zone = f" · times {zone_label(self.app.utc, self.now)}"
        tails = (
            Text.assemble(" · ", status, " · ", self.retro_clock(), " · as ", identity, zone),
            Text.assemble(
                " · ", status, " · ", self.retro_clock(short=True), " · ", identity, zone
            ),
            Text.assemble(" · ", status, " · ", self.retro_clock(short=True), " · ", identity),
            Text.assemble(" · ", status, " · ", self.retro_clock(short=True)),
        )
        for tail in tails:
            if lead.cell_len + 16 + tail.cell_len + (len(note) + 2 if note else 0) <= width:
                break
        if note:
            tail.append(f"  {note}", style="bold reverse")
        return title_line(lead, incident.title, tail, width - lead.cell_len - tail.cell_len)


class RetroScreen(PanelScreen):
    HELP_GROUP = "Retro"
    PANEL_NAMES = ("Timeline", "Five whys", "Root cause", "Actions")
    PANEL_PREFIX = "retro"
    TABS_ID = "retro-tabs"
    BINDINGS = [
        Binding("1", "section(1)", "Timeline", show=False, id="retro.section1"),
        Binding("2", "section(2)", "Five whys", show=False, id="retro.section2"),
        Binding("3", "section(3)", "Root cause", show=False, id="retro.section3"),
        Binding("4", "section(4)", "Action items", show=False, id="retro.section4"),
        # From inside a text field too (digits there are text); the key bar shows them.
        *(
            Binding(f"alt+{n}", f"section({n})", f"Section {n}" if n > 1 else "Section",
                    show=n == 1, key_display="alt+1-4" if n == 1 else None, priority=True,
                    id=f"retro.alt_section{n}")
            for n in range(1, 5)
        ),
        Binding("tab", "cycle_section(1)", "Next section", show=False, priority=True,
                id="retro.next_section"),
        Binding("shift+tab", "cycle_section(-1)", "Previous section", show=False,
                priority=True, id="retro.prev_section"),
        Binding("H", "retro_held", "Retro held", id="retro.held",
                tooltip="Record that the retro was held (stops its clock)"),
        Binding("E", "export", "Export", id="retro.export", tooltip="Write a document"),
        Binding("L", "issue_links", "Issue links", show=False, id="retro.links",
                tooltip="The action items as new GitHub or GitLab issues"),
        Binding("z", "toggle_utc", "UTC/local", show=False, id="retro.utc", tooltip="Time zone"),
        Binding("escape", "back", "War room", id="retro.back", tooltip="Back to the war room"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    RetroScreen #retro-tabs { display: none; height: 1; background: $boost; }
    RetroScreen #retro-grid {
        layout: grid;
        grid-size: 2 3;
        grid-columns: 5fr 6fr;
        grid-rows: 1fr 1fr 8;
    }
    RetroScreen #retro-1 { column-span: 2; }
    RetroScreen #retro-2 { row-span: 2; }
    RetroScreen.-compact #retro-tabs { display: block; }
    RetroScreen.-compact #retro-grid { layout: vertical; }
    RetroScreen.-compact Panel { display: none; }
    RetroScreen.-compact Panel.-active { display: block; height: 1fr; }
    """

    def __init__(self, incident_id: int):
        super().__init__()
        self.incident_id = incident_id
        self.incident: Incident | None = None
        self.seen_revision = -1
        self._last_why: WhyInput | None = None  # where section 2 puts the cursor back

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield RetroHeader(id="retro-header")
        yield TabStrip(id="retro-tabs")
        with Container(id="retro-grid"):
            # Grid order: the timeline across the top; the whys down the left;
            # action items over the root cause on the right.
            yield RetroTimelinePanel(id="retro-1", classes="-active")
            yield WhysPanel(id="retro-2")
            yield ActionsPanel(id="retro-4")
            yield RootCausePanel(id="retro-3")
        yield KeyBar()

    def on_mount(self) -> None:
        # What reaches this screen while it is mounted (see WarRoomApp).
        app = self.app
        app.store_changed_signal.subscribe(self, self._signal_changed, immediate=True)
        app.tick_signal.subscribe(self, self._signal_tick, immediate=True)
        app.times_changed_signal.subscribe(self, self._signal_times, immediate=True)
        app.flush_signal.subscribe(self, self._signal_flush, immediate=True)
        self.load()
        self.query_one(RetroTimeline).focus()

    retro = None  # the retro as last read (whys, root cause, action items)

    def _signal_changed(self, change) -> None:
        self.refresh_from_store()

    def _signal_tick(self, now: datetime) -> None:
        if self.app.screen is self:
            self.tick(now)

    def _signal_times(self, utc: bool) -> None:
        self.times_changed()

    def _signal_flush(self, _) -> None:
        self.flush_draft()

    def action_section(self, number: int) -> None:
        self.mark_active(number)
        if number == 2:
            whys = self.query_one(WhysPanel)
            target = self._last_why
            if target is None or target not in whys.inputs:
                target = self._first_open_why(whys)
            target.focus()
            target.scroll_visible(animate=False)
        else:
            self.query_one({1: RetroTimeline, 3: RootCauseArea, 4: ActionList}[number]).focus()

    @staticmethod
    def _first_open_why(whys: WhysPanel) -> WhyInput:
        """Where to start: the first unanswered why's question (read it, then
        enter or down to its answer)."""
        for level in whys.levels:
            if not level.answer.value.strip():
                return level.question
        return whys.levels[-1].question

    def action_cycle_section(self, step: int) -> None:
        self.action_section(self.step_from_active(step))

    def on_descendant_focus(self, event) -> None:
        if isinstance(event.widget, WhyInput):
            self._last_why = event.widget
        super().on_descendant_focus(event)

    # -------------------------------------------------------------------- data
    def load(self) -> None:
        """The first draw: the incident, its timeline and its retro, read on
        the database worker (after the writes typed before it was opened);
        keys typed meanwhile wait for it (building). Unreadable: it goes."""
        iid = self.incident_id
        self.building = True

        def fetch(store):
            return store.get_incident(iid), store.timeline(iid), store.retro(iid)

        def loaded(read) -> None:
            self.building = False
            if not shown(self):
                return
            incident, entries, retro = read
            self.query_one(RetroTimelinePanel).load(incident, entries)
            self._show(incident, retro)

        def unreadable(exc: BaseException) -> None:
            self.building = False
            told(self, "the retro", leave=True)(exc)

        self.app.read(fetch, loaded, unreadable)

    @reads("the retro's latest changes")
    def refresh_from_store(self) -> None:
        """Something changed: the database worker reads this incident's retro
        if it moved, and the timeline entries not seen yet; shown when they come."""
        iid, seen = self.incident_id, self.seen_revision
        last = self.query_one(RetroTimelinePanel).last_id

        def fetch(store):
            incident = store.get_incident(iid)
            if incident.revision == seen:
                return None
            return incident, store.timeline(iid, after_id=last), store.retro(iid)

        self.app.read(fetch, self._fetched)

    def _fetched(self, fetched) -> None:
        if fetched is None or not shown(self):
            return
        incident, entries, retro = fetched
        panel = self.query_one(RetroTimelinePanel)
        panel.add([e for e in entries if e.id > panel.last_id])
        self._show(incident, retro)

    def _show(self, incident: Incident, retro) -> None:
        app = self.app
        now = app.clock()
        self.incident = incident
        self.seen_revision = incident.revision
        self.retro = retro
        self.query_one(RetroHeader).show(incident, now)
        self.query_one(WhysPanel).show(retro.whys, incident.title)
        self.query_one(RootCausePanel).show(retro.root_cause)
        self.query_one(ActionsPanel).show(list(retro.actions), self._today(now))
        view = self.query_one(RetroTimeline)
        if view.utc != app.utc:
            view.utc = app.utc
            view.refresh()

    @staticmethod
    def _today(now: datetime):
        return now.astimezone().date()

    def tick(self, now: datetime) -> None:
        if self.incident is None:
            return
        try:
            header = self.query_one(RetroHeader)
            actions = self.query_one(ActionList)
        except NoMatches:
            return  # being torn down
        header.tick(now)
        if actions.today != self._today(now):
            actions.today = self._today(now)
            actions.refresh()

    # ------------------------------------------------------- saving as typed
    def on_whys_panel_save_requested(self, message: WhysPanel.SaveRequested) -> None:
        self.flush_whys()

    def flush_whys(self) -> None:
        whys = self.query_one(WhysPanel)
        whys.cancel_pending()
        for position, question, answer in whys.changes():
            # Queued behind another process's lock, a newer save of the same
            # why replaces the older; until it lands the typing stays on screen.
            # The base (what the fields started from) lets the store merge an
            # edit saved meanwhile instead of saving over it.
            self.app.write(
                SaveWhy(self.incident_id, position, question, answer, whys.base(position)),
                on_done=lambda why, sent=(question, answer): self._why_saved(why, sent),
                replaces=("why", self.incident_id, position),
            )

    def _why_saved(self, why, sent: tuple[str, str]) -> None:
        if why is None:
            return  # it had landed already (only the answer was lost): shown by the sync
        if shown(self):  # landed from the queue after the retro was left: nothing to mark
            self.query_one(WhysPanel).mark_saved(why, sent)
        self._tell(f"Why {why.position}", why.note)

    def _tell(self, what: str, note: str) -> None:
        if note == "merged":
            self.app.notify(f"{what}: merged with an edit saved meanwhile", timeout=5)
        elif note == "kept aside":
            self.app.notify(
                f"{what}: someone changed the same words meanwhile; yours is saved, "
                "theirs is kept in the timeline",
                severity="warning",
                timeout=10,
            )

    def on_root_cause_panel_save_requested(self, message: RootCausePanel.SaveRequested) -> None:
        self.flush_root_cause()

    def flush_root_cause(self) -> None:
        panel = self.query_one(RootCausePanel)
        panel.cancel_pending()
        if not panel.dirty:
            return
        text, base = panel.editor.text, panel.saved_text

        def saved(result) -> None:
            if result is None:
                return  # it had landed already (only the answer was lost)
            if shown(panel):  # see _why_saved
                panel.mark_saved(text, result.text)
            self._tell("Root cause", result.note)

        self.app.write(
            SetRootCause(self.incident_id, text, base),
            on_done=saved,
            replaces=("root_cause", self.incident_id),
        )

    def flush_draft(self) -> None:
        """Write every pending bit of typing now (before leaving, quitting, exporting)."""
        self.flush_whys()
        self.flush_root_cause()

    def on_screen_suspend(self) -> None:
        # A dialog or another screen goes on top (quit, help, export): save first.
        self.flush_draft()

    # ----------------------------------------------------------------- intents
    def on_leave_field(self, message: LeaveField) -> None:
        """Escape in a field: out to the timeline, where the screen's keys work."""
        self.flush_draft()
        self.action_section(1)

    def on_action_list_add_requested(self, message: ActionList.AddRequested) -> None:
        self._action_form(None, {})

    def on_action_list_edit_requested(self, message: ActionList.EditRequested) -> None:
        item = message.item
        values = {"title": item.title, "owner": item.owner, "due": item.due, "ticket": item.ticket}
        self._action_form(item.id, values)

    def _action_form(self, action_id: int | None, values: dict, error: str = "") -> None:
        app = self.app

        def done(form: dict | None) -> None:
            if not form:
                return
            args = (form["title"], form["owner"], form["due"], form["ticket"])

            def saved(item) -> None:
                actions = self.query_one(ActionList)
                if action_id is None:
                    actions.select_last()

            saved = while_shown(self, saved)  # see _why_saved

            def refused(_error) -> None:
                # Refused (the app said why): bring the form back, nothing lost.
                if shown(self):
                    self._action_form(action_id, form, "Not saved; see the message.")

            if action_id is None:
                app.write(AddAction(self.incident_id, *args), on_done=saved, on_fail=refused)
            else:
                app.write(UpdateAction(action_id, *args), on_done=saved, on_fail=refused)

        if refused_read_only(app):
            return
        title = "Add an action item" if action_id is None else f"Edit action item #{action_id}"

        def form(people: list[str]) -> None:
            app.push_screen(ActionForm(title, values, people, error), done)

        app.with_people(self, form)

    def on_action_list_toggle_requested(self, message: ActionList.ToggleRequested) -> None:
        item = message.item
        self.app.write(SetActionDone(item.id, not item.done))

    def on_timeline_view_correct_requested(self, message: TimelineView.CorrectRequested) -> None:
        entry = message.entry
        if entry.event == START_EVENT:
            # The anomaly's line is the reported time: correcting it moves the report.
            ask_milestone_time(self.app, self.incident_id, "reported")
            return

        ask_correction(self.app, entry)

    def on_timeline_view_write_requested(self, message: TimelineView.WriteRequested) -> None:
        kind = message.kind
        if refused_read_only(self.app):
            return

        def done(text: str | None) -> None:
            if text is not None and text.strip():
                # Its time is when enter was pressed, even if the write waits in the queue.
                self.app.write(AddEntry(self.incident_id, text, kind, self.app.clock()))

        self.app.push_screen(TextPrompt(f"Add a {kind} to the timeline"), done)

    def action_retro_held(self) -> None:
        # When it was held (enter: now); on a retro already held, moves or withdraws it.
        ask_milestone_time(self.app, self.incident_id, "retro")

    def action_toggle_utc(self) -> None:
        self.app.toggle_utc()

    def times_changed(self) -> None:
        if self.incident is not None:
            self._show(self.incident, self.retro)

    def action_export(self) -> None:
        closing.export_flow(self, self.incident_id)

    def action_issue_links(self) -> None:
        from warroom.tui.screens.followup_links import show_links

        show_links(self, self.incident_id)

    def action_back(self) -> None:
        self.flush_draft()  # reaches the war room below as any commit does
        self.app.pop_screen()
