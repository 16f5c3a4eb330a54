"""Panel 1: the CIA triage checklist. A ticked box is a red flag."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..model import Board
from ..policy import Policy
from ..timefmt import fmt_short_time
from .common import Panel, lit
from .rows import RowList

GROUP_LETTER = {"Confidentiality": "C", "Integrity": "I", "Availability": "A"}


class ChecklistList(RowList):
    HELP_GROUP = "1 Checklist"
    BINDINGS = [
        Binding("space", "toggle", "Tick/untick", id="checklist.toggle", tooltip="Tick or untick"),
        Binding("x", "toggle", "Tick/untick", show=False, id="checklist.toggle_x"),
    ]

    class Toggled(Message):
        def __init__(self, item_id: str, ticked: bool):
            super().__init__()
            self.item_id = item_id
            self.ticked = ticked

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(**kwargs)
        self.policy = policy
        self.ticked: set[str] = set()

    def action_toggle(self) -> None:
        item_id = self.highlighted_id
        if item_id is not None:
            self.post_message(self.Toggled(item_id, item_id not in self.ticked))


class ChecklistPanel(Panel):
    DEFAULT_CSS = """
    ChecklistPanel #redflag { display: none; color: $text; background: $error 40%; }
    ChecklistPanel.-redflag #redflag { display: block; }
    ChecklistPanel ChecklistList { height: 1fr; }
    """

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(1, "Triage checklist (ticked = red flag)", **kwargs)
        self.policy = policy

    def compose(self):
        yield Static(
            "⚑ Red flags on an incident not at P1/P2: this looks like a real incident "
            "(p: set priority)",
            id="redflag",
        )
        yield ChecklistList(self.policy, id="checklist-list")

    def show(self, board: Board, utc: bool = False) -> None:
        olist = self.query_one(ChecklistList)
        ticked = {i for i, s in board.checklist.items() if s.ticked}
        olist.ticked = ticked
        rows = []
        for item in self.policy.checklist:
            state = board.checklist.get(item.id)
            letter = GROUP_LETTER.get(item.group, item.group[:1].upper())
            if item.id in ticked:
                line = Text.assemble(
                    ("■ ", "bold red"),
                    (f"{letter} ", "bold"),
                    lit(item.text, "bold"),
                    ("  ", ""),
                    lit(f"{state.by} {fmt_short_time(state.at, utc, self.app.clock())}", "italic"),
                )
            else:
                line = Text.assemble(("□ ", "dim"), (f"{letter} ", "dim"), lit(item.text))
            rows.append((item.id, line))
        olist.set_rows(rows)
        real = board.incident.priority in ("P1", "P2")
        self.set_class(bool(ticked) and not real, "-redflag")
        count = len(ticked)
        self.border_subtitle = f"{count} red flag{'s' if count != 1 else ''}" if count else ""
