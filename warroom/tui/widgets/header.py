"""The war room's header line: what, how bad, how long, who you are, what's next."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from warroom.core.model import Incident
from warroom.core.policy import UNTRIAGED, Policy
from warroom.core.record import replace
from warroom.core.sla import most_urgent, next_update
from warroom.core.text import one_line
from warroom.core.timefmt import fmt_age, fmt_minutes, zone_label
from warroom.tui.widgets.common import STATE_STYLE, KeptLines, lit

PRIORITY_STYLE = {
    "P1": "bold white on red",
    "P2": "bold black on yellow",
    "P3": "bold black on cyan",
}


def urgent_summary(
    policy: Policy, incident: Incident, now: datetime, tasks: tuple = (), compact: bool = False
) -> Text:
    """The single most urgent thing: an overdue/soon clock or update, else an
    overdue task of yours (tasks: (title, due_at) of your open ones), else the
    next deadline. The clocks are the team's promise: a task's lateness never
    hides one that is overdue."""
    clock = most_urgent(policy, incident, now)
    due = next_update(policy, incident, now)
    candidates = []
    late = [(at - now, title) for title, at in tasks if at < now and incident.is_open]
    if late and not any(c is not None and c.state == "overdue" for c in (clock, due)):
        remaining, title = min(late)
        candidates.append(("overdue", remaining, f"task {one_line(title)[:30]}"))
    if clock:
        candidates.append((clock.state, clock.remaining, clock.name))
    if due:
        candidates.append((due.state, due.remaining, "update"))
    if not candidates:
        return Text("closed" if not incident.is_open else "")
    order = {"overdue": 0, "due soon": 1, "running": 2}
    state, remaining, name = min(candidates, key=lambda c: (order.get(c[0], 3), c[1]))
    word, style = STATE_STYLE[state]
    when = "over" if remaining.total_seconds() < 0 else "left"
    if compact and state != "overdue":  # narrow: the symbol says it; OVERDUE stays a word
        return Text(f"{word.split()[0]} {name} {fmt_minutes(remaining)} {when}", style=style)
    return Text(f"{word}: {name} {fmt_minutes(remaining)} {when}", style=style)


# The war room header, from left to right: incident, priority, the most urgent
# thing, who you act as and their roles, stage, category and age. What matters
# most is kept: the title, then the warning (the most urgent thing), then who
# you act as. When the line is too narrow whole parts go in DROP_ORDER (the
# zone first: the notes panel names it) until the title fits whole, the stage
# and the acting person's roles only while the title has less than TITLE_ROOM
# cells; then the title is cut (it ends in an ellipsis; the list shows it whole).
# Priority, the most urgent thing, who you act as and a mode (WAITING FOR
# DATABASE, READ-ONLY) always stay.
TITLE_ROOM = 24
DROP_ORDER = ("zone", "category", "age", "stage", "roles")
SEPARATOR = " · "
JOINED = {"roles": " "}  # parts that follow the one before without a separator


def fit_header(
    lead: Text,
    title: str,
    parts: list[tuple[str, Text]],
    width: int,
    shorter: dict[str, Text] | None = None,
) -> Text:
    """Lead, title, then the parts that fit, joined by separators; `shorter`
    gives a part's short form, taken (after the zone goes) before any other
    part is dropped."""
    kept = list(parts)

    def fixed() -> int:
        return lead.cell_len + sum(len(JOINED.get(n, SEPARATOR)) + p.cell_len for n, p in kept)

    for name in DROP_ORDER:
        if name == "category" and shorter and width - fixed() < len(title):
            kept = [(n, shorter.get(n, part)) for n, part in kept]
        room = TITLE_ROOM if name in ("stage", "roles") else len(title)
        if width - fixed() >= min(room, len(title)):
            break
        kept = [(n, part) for n, part in kept if n != name]
    tail = Text()
    for name, part in kept:
        tail.append(JOINED.get(name, SEPARATOR))
        tail.append_text(part)
    return title_line(lead, title, tail, width - fixed(), least=4)


def title_line(lead: Text, title: str, tail: Text, room: int, least: int = 12) -> Text:
    """One header line: lead, the title cut to `room` cells (at least `least`), tail."""
    text = lit(title, "bold")
    text.truncate(max(least, room), overflow="ellipsis")
    line = Text.assemble(lead, text, tail)
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def _minute(moment: datetime | None) -> datetime | None:
    return moment.replace(second=0, microsecond=0) if moment else None


class IncidentHeader(KeptLines, Widget):
    DEFAULT_CSS = """
    IncidentHeader { height: 1; background: $boost; padding: 0 1; }
    """

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(**kwargs)
        self.policy = policy
        self.incident: Incident | None = None
        self.identity = ""
        self.roles: tuple[str, ...] = ()  # the roles the acting person holds
        self.mode_note = ""
        self.now: datetime | None = None
        self._shown: tuple | None = None  # what the header last read, see _repaint
        self.tasks: tuple = ()  # (title, due_at) of your open tasks: one overdue is urgent
        self.waiting = ""  # said until the incident is shown (its room is being read)

    def show_loading(self, text: str) -> None:
        self.waiting = text
        self.refresh()

    def show(
        self,
        incident: Incident,
        identity: str,
        now: datetime,
        mode_note: str = "",
        roles: tuple[str, ...] = (),
    ) -> None:
        self.incident = incident
        self.identity = identity
        self.roles = roles
        self.mode_note = mode_note
        self.now = now
        self._repaint()

    def tick(self, now: datetime) -> None:
        self.now = now
        self._repaint()

    def _repaint(self) -> None:
        """Repaint only when what the header reads changes. Most writes (a tick,
        a note) leave it as it was: the revision counter is not shown, times show
        to the minute, and the most urgent thing changes state on its second."""
        incident, now = self.incident, self.now
        urgent = None
        if incident and now:
            urgent = urgent_summary(self.policy, incident, now, self.tasks)
        shown = (
            replace(incident, revision=0) if incident else None,
            self.identity,
            self.roles,
            self.mode_note,
            _minute(now),
            urgent,
            getattr(self.app, "utc", False),
        )
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def render(self) -> Text:
        """Built at paint time, when the width is known, so the title fits."""
        incident, now = self.incident, self.now
        if incident is None or now is None:
            return Text(self.waiting, style="dim")
        prio = incident.priority
        prio_text = "UNTRIAGED" if prio == UNTRIAGED else prio
        lead = Text.assemble(
            (f"#{incident.id} ", "bold"),
            (f" {prio_text} ", PRIORITY_STYLE.get(prio, "bold reverse")),
            " ",
            ("CLOSED " if not incident.is_open else "", "bold reverse"),
            (f"{self.mode_note} " if self.mode_note else "", "bold reverse"),
            ("DRILL " if incident.drill else "", "bold reverse"),
        )
        end = incident.closed_at or now  # a closed incident stops ageing
        parts = [
            ("urgent", urgent_summary(self.policy, incident, now, self.tasks)),
            # The zone every time on this screen is shown in (z switches).
            ("zone", Text(f"times {zone_label(getattr(self.app, 'utc', False), now)}")),
            ("as", Text.assemble("as ", lit(self.identity, "bold underline"))),
        ]
        if self.roles:
            parts.append(("roles", Text.assemble("(", lit(", ".join(self.roles)), ")")))
        parts += [
            ("stage", lit(incident.stage)),
            ("category", lit(incident.category)),
            ("age", Text(f"age {fmt_age(incident.reported_at, end)}")),
        ]
        width = (self.size.width or self.app.size.width - 2) or 80
        short = urgent_summary(self.policy, incident, now, self.tasks, compact=True)
        return fit_header(lead, incident.title, parts, width, {"urgent": short})
