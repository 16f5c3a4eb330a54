"""The report across incidents: is the priority table a promise that is kept?

The figures come from the core (warroom.core.report), the same as `warroom report`;
this screen only lays them out, with bars where a glance beats a number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from warroom.core.policy import CLOCKS
from warroom.core.report import TIMES, Group, HitRate, Report, Section, build_report
from warroom.formats.report_text import fmt_rate, fmt_span, monthly, noise_line, sparkline, trend
from warroom.tui.screens.building import StartupScreen
from warroom.tui.widgets.common import lit
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.owned import shown
from warroom.tui.widgets.reads import told

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room


def _new_table(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        header_style="bold",
        padding=(0, 2, 0, 0),
    )


def _name_room(groups: list[Group]) -> int:
    """The group names' column keeps up to 18 cells before a figure is cut."""
    return min(18, max((len(g.name) for g in groups), default=3))


def _times(title: str, groups: list[Group]) -> Table:
    """How long each milestone took from the report: median · 90th percentile."""
    table = _new_table(title)
    table.add_column("", no_wrap=True, max_width=24, min_width=_name_room(groups))
    table.add_column("count", justify="right", min_width=5)
    for what in TIMES:
        table.add_column(f"to {what}")  # a narrow terminal wraps, never cuts
    for g in groups:
        table.add_row(
            lit(g.name),
            str(g.incidents),
            *(f"{fmt_span(g.times[t].median)} · {fmt_span(g.times[t].p90)}" for t in TIMES),
        )
    return table


def _hits(title: str, groups: list[Group]) -> Table:
    table = _new_table(title)
    table.add_column("", no_wrap=True, max_width=24, min_width=_name_room(groups))
    for clock in CLOCKS:
        table.add_column(f"{clock} met", min_width=len(clock))  # wraps, never cuts
    table.add_column("updates on cadence")
    for g in groups:
        table.add_row(
            lit(g.name),
            *(fmt_rate(g.hits[c]) for c in CLOCKS),
            fmt_rate(HitRate(g.updates_on_time, g.updates)),
        )
    return table


def _actions(section: Section) -> Table:
    table = _new_table("Action items by owner")
    for name in ("owner", "open", "overdue", "done"):
        table.add_column(name, justify="left" if name == "owner" else "right")
    for a in section.actions:
        overdue = Text(str(a.overdue), style="bold red" if a.overdue else "")
        table.add_row(
            lit(a.owner) if a.owner else Text("(no owner)", "dim"),
            str(a.open),
            overdue,
            str(a.done),
        )
    return table


BAR_CELLS = 34


def hit_bar(met: int, judged: int) -> Text:
    """'██████████░░░░░░░░ 25%': filled and empty cells differ in shape, not
    only in colour, and the number is in the bar (NO_COLOR, a monochrome
    terminal, a screenshot in print)."""
    filled = round(BAR_CELLS * met / judged)
    return Text.assemble(
        ("█" * filled, "green"),
        ("░" * (BAR_CELLS - filled), "dim"),
        f" {met / judged:.0%}",
    )


class HitBar(Horizontal):
    """A hit rate as a bar: met of judged."""

    DEFAULT_CSS = """
    HitBar { height: 1; }
    HitBar .label { width: 20; }
    HitBar .bar, HitBar .none { width: 40; }
    HitBar .count { width: 1fr; color: $text-muted; }
    """

    def __init__(self, label: str, hit: HitRate):
        super().__init__()
        self.label, self.hit = label, hit

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="label")
        if not self.hit.judged:  # no rate yet: an empty bar would read as 0%
            yield Static("—", classes="none")
        else:
            yield Static(hit_bar(self.hit.met, self.hit.judged), classes="bar")
        counted = f"{self.hit.met} of {self.hit.judged}" if self.hit.judged else "none yet"
        yield Static(Text(f"  {counted}"), classes="count")


class WeekChart(Widget, can_focus=True):
    """Incidents a week: each week labelled with its first day, its bar and
    its count; left and right choose a week, enter lists the incidents behind
    its figure. Under the weeks, the months and which way they trend."""

    HELP_GROUP = "Report"
    BINDINGS = [
        Binding("left", "move(-1)", "Earlier week", show=False, id="report.week_left"),
        Binding("right", "move(1)", "Later week", show=False, id="report.week_right"),
        Binding("enter", "open", "Incidents that week", id="report.week_open"),
    ]
    DEFAULT_CSS = """
    WeekChart { height: auto; }
    WeekChart:focus { background: $boost; }
    """

    class Opened(Message):
        def __init__(self, monday):
            super().__init__()
            self.monday = monday

    def __init__(self, weekly, **kwargs):
        super().__init__(**kwargs)
        self.weekly = list(weekly)
        self.chosen = len(self.weekly) - 1  # the latest week

    def _per_row(self, width: int) -> int:
        return max(1, (width - 2) // 6)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.render_lines_text(width))

    def render_lines_text(self, width: int) -> list[Text]:
        weekly = self.weekly
        counts = [n for _, n in weekly]
        bars = sparkline(counts)
        lines: list[Text] = []
        per_row = self._per_row(width)
        for start in range(0, len(weekly), per_row):
            rows = [Text("  "), Text("  "), Text("  ")]
            for i in range(start, min(start + per_row, len(weekly))):
                style = "reverse" if i == self.chosen and self.has_focus else ""
                cells = (weekly[i][0].strftime("%m-%d"), bars[i], str(counts[i]))
                for row, cell in zip(rows, cells, strict=True):
                    row.append(f"{cell:>5}", style=style)
                    row.append(" ")
            lines += rows
        months = monthly(weekly)
        if len(months) > 1:
            said = " · ".join(f"{m} {n}" for m, n in months)
            lines.append(
                Text(f"  a month: {said}; trend {trend([n for _, n in months])}", style="dim")
            )
        return lines

    def render(self) -> Text:
        return Text("\n").join(self.render_lines_text(self.size.width or 80))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, delta: int) -> None:
        self.chosen = max(0, min(len(self.weekly) - 1, self.chosen + delta))
        self.refresh()

    def action_open(self) -> None:
        if self.weekly:
            self.post_message(self.Opened(self.weekly[self.chosen][0]))


class ReportScreen(StartupScreen):
    """Reached from the incident list (`r`) and the command palette."""

    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    BINDINGS = [
        Binding("escape,r", "back", "Back", id="report.back", tooltip="Back to the incidents"),
        Binding("d", "toggle_drills", "Drills", id="report.drills", tooltip="Real or drills"),
    ]
    DEFAULT_CSS = """
    ReportScreen #report-title { height: auto; background: $boost; padding: 0 1; }
    ReportScreen VerticalScroll { padding: 0 1; }
    ReportScreen .heading { margin-top: 1; text-style: bold; }
    ReportScreen Sparkline { height: 2; max-width: 100%; }
    ReportScreen .block { margin-top: 1; }
    """

    def __init__(self):
        super().__init__()
        self.drills = False
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title")
        yield VerticalScroll(id="report-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.app.store_changed_signal.subscribe(self, self._signal_changed, immediate=True)
        self._read_report()

    def _signal_changed(self, change) -> None:
        self.refresh_from_store()

    def refresh_from_store(self) -> None:
        """Something changed: the database worker reads the rows and works out
        the figures; shown when they come."""
        policy, now = self.app.policy, self.app.clock()
        self.app.read(
            lambda store: build_report(
                policy, store.report_rows(), now, intake=store.intake_counts()
            ),
            self._take,
        )

    def _read_report(self) -> None:
        """The first read, on the database worker; keys typed meanwhile wait
        for it (building). Unreadable: the screen goes, saying why."""
        policy, now = self.app.policy, self.app.clock()
        self.building = True

        def read(report) -> None:
            self.building = False
            self._take(report)

        def unreadable(exc: BaseException) -> None:
            self.building = False
            told(self, "the report", leave=True)(exc)

        self.app.read(
            lambda store: build_report(
                policy, store.report_rows(), now, intake=store.intake_counts()
            ),
            read,
            unreadable,
        )

    def _take(self, report) -> None:
        if not shown(self):
            return  # left meanwhile
        old = self.report
        self.report = report
        if old is None or (old.real, old.drills, old.noise) != (
            report.real,
            report.drills,
            report.noise,
        ):
            self._show()  # most changes elsewhere leave the figures as they were

    def _show(self) -> None:
        report = self.report
        if report is None:
            return
        section = report.drills if self.drills else report.real
        what = "drills" if self.drills else "real incidents"
        real = report.real.overall.incidents
        self.query_one("#report-title", Static).update(
            Text.assemble(
                ("warroom report", "bold"),
                f" · {real} real incident{'s' * (real != 1)}, {report.drill_count} drill"
                f"{'s' * (report.drill_count != 1)} (counted apart) · showing {what} · d: ",
                "real incidents" if self.drills else "drills",
            )
        )
        body = self.query_one("#report-body", VerticalScroll)
        # A week chosen in the chart stays chosen (and focused) when the
        # figures are read again.
        charts = list(body.query(WeekChart))
        keep = (charts[0].chosen, charts[0].has_focus) if charts else None
        body.remove_children()
        if section.overall.incidents == 0:
            body.mount(Static(Text(f"No {what} yet."), classes="heading"))
            return
        widgets: list = [Static("How often each clock was met", classes="heading")]
        widgets += [HitBar(f"{clock} met", section.overall.hits[clock]) for clock in CLOCKS]
        cadence = HitRate(section.overall.updates_on_time, section.overall.updates)
        widgets.append(HitBar("updates on cadence", cadence))
        if section.weekly:
            first = section.weekly[0][0].isoformat()
            most = max(n for _, n in section.weekly)
            widgets.append(
                Static(
                    Text(
                        f"Incidents a week, from the week of {first} (most: {most})"
                        " · tab, ←/→ a week, enter: its incidents"
                    ),
                    classes="heading",
                )
            )
            chart = WeekChart(section.weekly)
            if keep is not None:
                chart.chosen = min(keep[0], len(section.weekly) - 1)
                if keep[1]:
                    self.call_after_refresh(chart.focus)
            widgets.append(chart)
        priorities = [*section.by_priority, section.overall]
        categories = list(section.by_category)
        widgets += [
            Static(
                _times("Time from the report, median · 90th percentile, by priority", priorities),
                classes="block",
            ),
            Static(_times("... by category", categories), classes="block"),
            Static(_hits("Clocks met, by priority", priorities), classes="block"),
            Static(_hits("... by category", categories), classes="block"),
            Static(_actions(section), classes="block"),
        ]
        noise = report.noise
        if noise is not None and (noise.declined or noise.alerts) and not self.drills:
            widgets.append(Static(Text(noise_line(noise)), classes="block"))
        widgets.append(
            Static(
                Text(
                    "Times run from the reported time; p90 is the 90th percentile (nearest "
                    "rank); a clock is judged once it is met or missed (overdue counts as "
                    "missed).",
                    style="dim",
                )
            )
        )
        body.mount_all(widgets)

    def on_week_chart_opened(self, message: WeekChart.Opened) -> None:
        """The incidents behind a week's figure, and which clocks each missed."""
        from warroom.core.report import week_incidents
        from warroom.core.text import one_line

        policy, now, drills, monday = self.app.policy, self.app.clock(), self.drills, message.monday

        def shown(behind) -> None:
            from warroom.tui.screens.modals import ChoiceModal

            if not behind:
                self.app.notify(f"No incident in the week of {monday.isoformat()}")
                return
            choices = [
                f"#{b.incident.id} {one_line(b.incident.title)[:40]} · {b.incident.priority}"
                f" · {'missed ' + ', '.join(b.missed) if b.missed else 'no clock missed'}"
                for b in behind
            ]
            missed = sum(1 for b in behind if b.missed)
            title = (
                f"Week of {monday.isoformat()}: {len(behind)} incident"
                f"{'s' * (len(behind) != 1)}, {missed} missed a clock (enter opens one)"
            )
            ids = {choice: b.incident.id for choice, b in zip(choices, behind, strict=True)}

            def chosen(choice: str | None) -> None:
                if choice is not None:
                    self.app.open_incident(ids[choice])

            self.app.push_screen(ChoiceModal(title, choices), chosen)

        self.app.read(
            lambda store: week_incidents(policy, store.report_rows(), monday, now, drills),
            shown,
        )

    def action_toggle_drills(self) -> None:
        self.drills = not self.drills
        self._show()

    def action_back(self) -> None:
        self.app.pop_screen()
