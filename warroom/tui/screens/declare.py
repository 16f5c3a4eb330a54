"""Declare an incident: type a title and press enter; the rest has defaults."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Label, Select

from warroom.core.errors import UsageError
from warroom.core.policy import UNTRIAGED, Policy
from warroom.core.timefmt import parse_time, typed_zone
from warroom.tui.widgets.common import lit
from warroom.tui.widgets.modal import Modal
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()


class TickBox(Checkbox):
    """A checkbox drawn as text, `[x]` ticked and `[ ]` not: Textual's box
    (▐X▌) shows X both ways, told apart by colour alone, and half blocks read
    as noise in a terminal without colour."""

    BUTTON_LEFT = "["
    BUTTON_RIGHT = "]"

    def render(self):
        from textual.content import Content

        # Drawn whole, in the label's own colour: Textual draws its box's sides
        # in the box's colour (which hides a bracket) and dims an unticked mark.
        label = self.label
        mark = ("[x]", "bold") if self.value else "[ ]"
        return Content.assemble(mark, " " if label else "", label)


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
                self.form.get("typed", self.form.get("title", "")),
                placeholder="What is broken? 'P1 #rb @20m checkout fails' sets all",
                id="title",
            )
            with Horizontal():
                with Vertical():
                    yield Label("Priority (untriaged: P1 clocks)", classes="hint")
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
            yield Label(lit(self._words_hint()), classes="hint")
            yield Label(
                "enter: declare · tab: next field · escape: cancel",
                classes="hint",
            )

    def _words_hint(self) -> str:
        """What the title's first words may say: priority, #category, @time."""
        from warroom.core.declaring import initials

        cats = ", ".join(f"#{initials(c)}" for c in self.policy.categories)
        return f"In the title: {'/'.join(self.policy.priorities)}, {cats}, @20m (reported)"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        from warroom.core.declaring import parse_declare_line

        typed = self.query_one("#title", Input).value.strip()
        if not typed:
            self.app.notify("A title is needed", severity="warning")
            self.query_one("#title", Input).focus()
            return
        reported_raw = self.query_one("#reported", Input).value.strip()
        now = self.clock()
        try:
            zone = typed_zone(self.app.utc)  # typed in the zone times are shown in
            line = parse_declare_line(typed, self.policy, now, zone)
            reported = (
                None if reported_raw in ("", "now") else parse_time(reported_raw, now, zone=zone)
            )
        except UsageError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        # Words in the title ('P1 #rb @20m') win over the fields below it.
        self.dismiss(
            {
                "title": line.title,
                "typed": typed,
                "priority": line.priority or self.query_one("#priority", Select).value,
                "category": line.category or self.query_one("#category", Select).value,
                "reported_at": line.reported_at or reported,
                "reported_text": reported_raw,
                "drill": self.query_one("#drill", Checkbox).value,
            }
        )
