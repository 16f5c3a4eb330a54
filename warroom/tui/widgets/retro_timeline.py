"""Retro section 1: the timeline retold from the anomaly's start, filterable by kind.

The team's view: private notes are shown. Entries are told in the order of
every view: when it happened, ties in recording order."""

from __future__ import annotations

from textual.binding import Binding

from warroom.core.model import SYSTEM, Incident, TimelineEntry, order_key
from warroom.core.timefmt import fmt_natural
from warroom.tui.widgets.common import Panel
from warroom.tui.widgets.timeline import FILTERS, TimelineView

START_EVENT = "anomaly.start"  # the synthetic first line; not a stored entry


def start_entry(incident: Incident) -> TimelineEntry:
    delay = incident.declared_at - incident.reported_at
    later = f"declared {fmt_natural(delay)} later" if delay.total_seconds() >= 60 else "declared"
    return TimelineEntry(
        id=0,
        incident_id=incident.id,
        kind=SYSTEM,
        text=f"Anomaly began (reported time); {later}",
        actor=incident.declared_by,
        occurred_at=incident.reported_at,
        recorded_at=incident.reported_at,  # its text says when it was declared
        public=True,
        data={"event": START_EVENT},
    )


class RetroTimeline(TimelineView):
    HELP_GROUP = "1 Timeline"
    BINDINGS = [
        Binding("f", "cycle_filter", "Filter", id="retro.timeline.filter", tooltip="Cycle kinds"),
    ]

    def action_cycle_filter(self) -> None:
        panel = self.query_ancestor(RetroTimelinePanel)
        panel.cycle_filter()


class RetroTimelinePanel(Panel):
    def __init__(self, **kwargs):
        super().__init__(1, "Timeline, from the first sign", **kwargs)
        self.filter_index = 0
        self.told: list[TimelineEntry] = []
        self.last_id = 0  # the newest stored entry taken in
        self._subtitle()

    def compose(self):
        yield RetroTimeline(id="retro-timeline")

    @property
    def view(self) -> RetroTimeline:
        return self.query_one(RetroTimeline)

    def _subtitle(self) -> None:
        name, _ = FILTERS[self.filter_index]
        self.border_subtitle = f"f: {name}"

    def load(self, incident: Incident, entries: list[TimelineEntry]) -> None:
        self.told = [start_entry(incident)]
        self.last_id = 0
        self.add(entries, follow=False)
        self.view.cursor = 0

    def add(self, entries: list[TimelineEntry], follow: bool | None = None) -> None:
        """Take newly stored entries in, keeping the cursor on the entry it was on."""
        if not entries:
            return
        view = self.view
        at_end = view.cursor >= len(view.entries) - 1
        current = view.entries[view.cursor] if 0 <= view.cursor < len(view.entries) else None
        self.told.extend(entries)
        self.told.sort(key=order_key)
        self.last_id = max(self.last_id, *(e.id for e in entries))
        view.set_entries(self.told)
        if follow is None:
            follow = at_end
        if not follow and current is not None:
            ids = [e.id for e in view.entries]
            if current.id in ids:
                view.cursor = ids.index(current.id)

    def cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        _, kinds = FILTERS[self.filter_index]
        self.view.set_filter(kinds)
        self.view.cursor = 0
        self._subtitle()
