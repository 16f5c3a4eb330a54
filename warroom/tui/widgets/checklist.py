"""Panel 1: the CIA triage checklist. A ticked box is a red flag."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from warroom.core.model import Board
from warroom.core.policy import Policy
from warroom.core.timefmt import fmt_short_time
from warroom.tui.widgets.bindings import with_bindings
from warroom.tui.widgets.common import Panel, lit
from warroom.tui.widgets.rows import RowList


class ChecklistList(RowList):
    HELP_GROUP = "1 Checklist"
    HANG = 5  # under the text, past "□ a5 "
    # Priority: the list is what has focus when these are bound, so nothing
    # else would take the key; found at once, the key is not passed down to
    # the list and up again through the panel, the grid and the screen first.
    BINDINGS = [
        Binding(
            "space",
            "toggle",
            "Tick/untick",
            id="checklist.toggle",
            tooltip="Tick or untick",
            priority=True,
        ),
        Binding("x", "toggle", "Tick/untick", show=False, id="checklist.toggle_x", priority=True),
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
        self.pending = ""  # the start of an item id being typed, e.g. "a" of "a5"

    @classmethod
    def for_policy(cls, policy: Policy) -> type[ChecklistList]:
        """The class whose BINDINGS hold the keys of the policy's item ids.

        Typing an item's id (a5, c2) moves to it; then space ticks it. Bindings,
        not a key handler: a key typed right after a panel key (focus already
        moving on) must reach the next panel, which bindings resolve at the app.
        "i" (act as) keeps its meaning: the act-as prompt hands a digit back."""
        letters = {item.id[0] for item in policy.checklist if item.id[:1].isalpha()}
        starts = [
            Binding(letter, f"id_start('{letter}')", show=False)
            for letter in sorted(letters - {"i", "j", "k", "x"})
        ]
        # The digits of an item id (a5); a digit alone is the panel key.
        digits = [Binding(digit, f"id_digit('{digit}')", show=False) for digit in "0123456789"]
        return with_bindings(cls, (*starts, *digits))

    def jump(self, typed: str) -> bool:
        """Move to the item whose id is `typed` (or the first one it starts);
        says whether one was found."""
        for index, row_id in enumerate(self.ids):
            if row_id is not None and row_id.startswith(typed):
                self.highlighted = index
                return True
        return False

    def action_id_start(self, letter: str) -> None:
        self.pending = letter if self.jump(letter) else ""

    def action_id_digit(self, digit: str) -> None:
        typed, self.pending = self.pending + digit, ""
        if typed != digit and typed in self.ids:
            self.jump(typed)
        # The checklist lives on a panel screen (widgets do not import screens).
        elif digit.isdigit() and 1 <= int(digit) <= len(self.screen.PANEL_NAMES):  # type: ignore[attr-defined]
            self.screen.action_panel(int(digit))  # type: ignore[attr-defined]  # the panel key

    # Our own toggle (space ticks); Textual's takes an attribute name.
    def action_toggle(self) -> None:  # type: ignore[override]
        item_id = self.highlighted_id
        if item_id is not None:
            # To the screen, which writes it (nothing between handles it): a
            # tick is not passed from the list to the panel to the grid first.
            self.screen.post_message(self.Toggled(item_id, item_id not in self.ticked))


class ChecklistPanel(Panel):
    DEFAULT_CSS = """
    ChecklistPanel #redflag { display: none; color: $text; background: $error 40%; }
    ChecklistPanel.-redflag #redflag { display: block; }
    ChecklistPanel ChecklistList { height: 1fr; }
    """

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(1, "Triage checklist (ticked = red flag)", **kwargs)
        self.policy = policy
        self._rows: dict[tuple, Text] = {}  # each row's text by what it shows

    # The warning over the list, made the first time it shows (most rooms are
    # at P1/P2 or have no box ticked: making it for every room cost the war
    # room's first frame a widget it never draws).
    REDFLAG = (
        "⚑ Red flags on an incident not at P1/P2: this looks like a real incident (p: set priority)"
    )
    _redflag_made = False

    def compose(self):
        yield ChecklistList.for_policy(self.policy)(self.policy, id="checklist-list")

    def shows(self, board: Board, utc: bool = False) -> tuple:
        """What show(board, utc) draws, for telling whether it changed: the
        ticks with who and the minute (a tick pending carries the time it was
        typed, the stored one its commit's: the same row), the priority."""
        now = self.app.clock()
        ticks = tuple(
            sorted(
                (item_id, state.by, fmt_short_time(state.at, utc, now))
                for item_id, state in board.checklist.items()
                if state.ticked
            )
        )
        return (ticks, board.incident.priority in ("P1", "P2"))

    def show(self, board: Board, utc: bool = False) -> None:
        olist = self.query_one(ChecklistList)
        ticked = {i for i, s in board.checklist.items() if s.ticked}
        olist.ticked = ticked
        rows: list[tuple[str | None, Text]] = []
        group = None
        now = self.app.clock()
        cache, self._rows = self._rows, {}
        for item in self.policy.checklist:
            if item.group != group:
                group = item.group
                rows.append((None, lit(group, "bold underline")))
            state = board.checklist.get(item.id)
            ticked_by = None
            if item.id in ticked and state is not None:
                ticked_by = f"ticked by {state.by} {fmt_short_time(state.at, utc, now)}"
            # A tick changes one row: the others are the same Text objects as
            # before, which the list sees as unchanged at a glance.
            key = (item.id, item.text, ticked_by)
            line = cache.get(key)
            if line is None and ticked_by is not None:
                line = Text.assemble(
                    ("■ ", "bold red"),
                    (f"{item.id:<3}", "bold"),
                    lit(item.text, "bold"),
                    " — ",
                    lit(ticked_by, "italic"),
                )
            elif line is None:
                line = Text.assemble(("□ ", "dim"), (f"{item.id:<3}", "dim"), lit(item.text))
            self._rows[key] = line
            rows.append((item.id, line))
        olist.set_rows(rows)
        real = board.incident.priority in ("P1", "P2")
        flagged = bool(ticked) and not real
        if flagged and not self._redflag_made:
            self._redflag_made = True
            self.mount(Static(self.REDFLAG, id="redflag"), before=olist)
        self.set_class(flagged, "-redflag")
        count = len(ticked)
        self.set_subtitle(f"{count} red flag{'s' if count != 1 else ''}" if count else "")
