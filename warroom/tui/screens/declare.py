"""Declare an incident: type a title and press enter; the rest has defaults."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Label, Select

from warroom.core.errors import UsageError
from warroom.core.policy import UNTRIAGED, Policy
from warroom.core.timefmt import parse_time, typed_zone
from warroom.tui.widgets.modal import Modal
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()


class TickBox(Checkbox):
    """A checkbox whose mark is the tick itself: ▐X▌ ticked, ▐ ▌ not (the box
    Textual draws shows X both ways, told apart by colour alone: not under
    NO_COLOR nor to everyone)."""

    def render(self):
        inner = self.BUTTON_INNER
        self.BUTTON_INNER = inner if self.value else " "
        try:
            return super().render()
        finally:
            self.BUTTON_INNER = inner


class DeclareModal(Modal):
    """Dismisses with a dict(title, category, priority, reported_at, drill) or None."""

    DEFAULT_CSS = """
    DeclareModal > Vertical { width: 72; }
    DeclareModal Horizontal { height: auto; }
    DeclareModal Horizontal > Vertical { width: 1fr; height: auto; }
    DeclareModal Select { width: 1fr; }
    DeclareModal Checkbox { border: none; padding: 0; }
    """

    def __init__(self, policy: Policy, clock, form: dict | None = None):
        super().__init__()
        self.policy = policy
        self.clock = clock
        self.form = form or {}  # what was typed before, when a declare was refused

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Declare an incident", classes="prompt")
            yield Input(
                self.form.get("title", ""),
                placeholder="What is broken? (title, then enter)",
                id="title",
            )
            with Horizontal():
                with Vertical():
                    yield Label("Priority", classes="hint")
                    yield Select(
                        [(p, p) for p in self.policy.priority_choices],
                        value=self.form.get("priority", UNTRIAGED),
                        allow_blank=False,
                        id="priority",
                    )
                with Vertical():
                    yield Label("Category", classes="hint")
                    yield Select(
                        [(c, c) for c in self.policy.categories],
                        value=self.form.get("category", self.policy.categories[0]),
                        allow_blank=False,
                        id="category",
                    )
            yield Label("Reported (when it started): 'now', '20m ago', '14:05'", classes="hint")
            yield Input(self.form.get("reported_text", "now"), id="reported")
            yield TickBox(
                "Drill: a rehearsal (marked DRILL, not in the report)",
                self.form.get("drill", False),
                id="drill",
            )
            yield Label(
                "enter: declare · tab: next field · untriaged runs on P1 clocks · escape",
                classes="hint",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.app.notify("A title is needed", severity="warning")
            self.query_one("#title", Input).focus()
            return
        reported_raw = self.query_one("#reported", Input).value.strip()
        now = self.clock()
        try:
            zone = typed_zone(self.app.utc)  # typed in the zone times are shown in
            reported = (
                None if reported_raw in ("", "now") else parse_time(reported_raw, now, zone=zone)
            )
        except UsageError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.dismiss(
            {
                "title": title,
                "priority": self.query_one("#priority", Select).value,
                "category": self.query_one("#category", Select).value,
                "reported_at": reported,
                "reported_text": reported_raw,
                "drill": self.query_one("#drill", Checkbox).value,
            }
        )
