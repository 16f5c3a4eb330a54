"""Retro section 4: action items, and the form that adds or edits one.

The list is a line-API view: columns are fitted to the width when painted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.suggester import SuggestFromList
from textual.widgets import Label, Static

from warroom.core.model import ActionItem
from warroom.core.text import one_line
from warroom.services.usecases import FieldError, check_action
from warroom.tui.widgets.common import Panel, RowStyle, lit, lit_block
from warroom.tui.widgets.modal import Modal
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room

STATUS = {
    "done": ("✔ done", "dim green"),
    "open": ("○ open", ""),
    "overdue": ("✖ overdue", "bold red"),
}


def action_state(item: ActionItem, today: date) -> str:
    if item.done:
        return "done"
    if item.due is not None and item.due < today:
        return "overdue"
    return "open"


def column_widths(width: int, items: Sequence[ActionItem] = ()) -> dict[str, int]:
    """Fit the columns to a width: owner, due and ticket as wide as what they
    hold (or their heading), the title takes the rest; narrow widths drop the
    ticket, then the owner (the line under the list shows both)."""

    def fitted(label: str, values: list[str], most: int) -> int:
        return min(most, max(len(label), *(cell_len(one_line(v)) for v in values if v), 1))

    widths = {
        "status": max(len(word) for word, _ in STATUS.values()),
        "owner": fitted("Owner", [i.owner for i in items], 12),
        "due": fitted("Due", [i.due.isoformat() for i in items if i.due], 10),
        "ticket": fitted("Ticket", [i.ticket for i in items], 12),
    }

    def title_room() -> int:
        return width - sum(w + 1 for w in widths.values() if w)

    for dropped, least in (("ticket", 18), ("owner", 12)):
        if title_room() < least:
            widths[dropped] = 0
    widths["title"] = max(8, title_room())
    return widths


def _cell(text: Text, width: int) -> Text:
    text.no_wrap = True
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


class ActionList(RowStyle, ScrollView, can_focus=True):
    """Action items, a header line on top, with a row cursor."""

    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    HELP_GROUP = "4 Action items"
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="actions.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="actions.down"),
        Binding("home,g", "top", "Top", show=False, id="actions.top"),
        Binding("end,G", "bottom", "Bottom", show=False, id="actions.bottom"),
        Binding("a", "add", "Add", id="actions.add", tooltip="Add an action item"),
        Binding("enter,e", "edit", "Edit", id="actions.edit", tooltip="Edit the action item"),
        Binding("space,x", "toggle", "Done/open", id="actions.toggle", tooltip="Mark complete"),
    ]
    DEFAULT_CSS = """
    ActionList { height: 1fr; }
    """

    cursor = reactive(0, always_update=True)

    class AddRequested(Message):
        pass

    class EditRequested(Message):
        def __init__(self, item: ActionItem):
            super().__init__()
            self.item = item

    class ToggleRequested(Message):
        def __init__(self, item: ActionItem):
            super().__init__()
            self.item = item

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.items: list[ActionItem] = []
        self.today: date | None = None

    def set_items(self, items: list[ActionItem], today: date) -> None:
        current = self.current
        self.items = list(items)
        self.today = today
        self.virtual_size = Size(self.size.width, len(self.items) + 1)
        if current is not None:
            ids = [i.id for i in self.items]
            if current.id in ids:
                self.cursor = ids.index(current.id)
        self.cursor = self.cursor
        self.refresh()

    def select_last(self) -> None:
        self.cursor = len(self.items) - 1

    @property
    def current(self) -> ActionItem | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    # -- cursor
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.items) - 1))

    class Highlighted(Message):
        """The row cursor is on another item (or the items changed)."""

    def watch_cursor(self, value: int) -> None:
        self.post_message(self.Highlighted())
        top = self.scroll_offset.y
        rows = max(1, self.scrollable_content_region.height - 1)  # less the header
        if value < top:
            self.scroll_to(y=value, animate=False)
        elif value >= top + rows:
            self.scroll_to(y=value - rows + 1, animate=False)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_top(self) -> None:
        self.cursor = 0

    def action_bottom(self) -> None:
        self.cursor = len(self.items) - 1

    def action_add(self) -> None:
        self.post_message(self.AddRequested())

    def action_edit(self) -> None:
        if self.current is not None:
            self.post_message(self.EditRequested(self.current))

    # Our own toggle (space: done or not); Textual's takes an attribute name.
    def action_toggle(self) -> None:  # type: ignore[override]
        if self.current is not None:
            self.post_message(self.ToggleRequested(self.current))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.items) + 1)
        self.cursor = self.cursor

    # -- drawing
    def _join(self, cells: list[tuple[str, Text]], width: int) -> Text:
        """The cells that fit this width, each cut or padded to its column."""
        widths = column_widths(width, self.items)
        line = Text()
        for key, cell in cells:
            if widths[key]:
                if line.cell_len:
                    line.append(" ")
                line.append_text(_cell(cell, widths[key]))
        return line

    def header_line(self, width: int) -> Text:
        labels = (
            ("status", "Status"),
            ("title", "Action"),
            ("owner", "Owner"),
            ("due", "Due"),
            ("ticket", "Ticket"),
        )
        return self._join([(key, Text(label, style="bold")) for key, label in labels], width)

    def format_item(self, item: ActionItem, width: int) -> Text:
        state = action_state(item, self.today or date.today())
        word, style = STATUS[state]
        none = Text("—", style="dim")
        due = (
            Text(item.due.isoformat(), style=style if state == "overdue" else "")
            if item.due
            else none
        )
        cells = [
            ("status", Text(word, style=style)),
            ("title", lit(item.title, "dim" if item.done else "")),
            ("owner", lit(item.owner) if item.owner else none.copy()),
            ("due", due),
            ("ticket", lit(item.ticket, "cyan") if item.ticket else none.copy()),
        ]
        return self._join(cells, width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.row_style
        if y == 0:
            line = self.header_line(width)
        else:
            index = self.scroll_offset.y + y - 1
            if not self.items and y == 1:
                line = Text("No action items yet: press a to add one", style="dim italic")
            elif index >= len(self.items):
                return Strip.blank(width, base)
            else:
                line = self.format_item(self.items[index], width)
        line.no_wrap = True
        line.truncate(width, overflow="ellipsis", pad=True)
        segments = list(line.render(self.app.console))
        if y > 0 and self.items and self.scroll_offset.y + y - 1 == self.cursor:
            cursor_style = Style(reverse=True) if self.has_focus else Style(underline=True)
            segments = list(Segment.apply_style(segments, post_style=cursor_style))
        return Strip(segments, width).apply_style(base)


class ActionsPanel(Panel):
    def __init__(self, **kwargs):
        super().__init__(4, "Action items", **kwargs)
        self.border_subtitle = "a add · e edit · x done"

    DEFAULT_CSS = """
    ActionsPanel #action-detail { height: auto; max-height: 5; padding: 0 1; color: $text-muted; }
    """

    def compose(self):
        yield ActionList(id="action-list")
        yield Static("", id="action-detail")

    def on_action_list_highlighted(self, message: ActionList.Highlighted) -> None:
        message.stop()
        self.query_one("#action-detail", Static).update(self.detail(self.view.current))

    @staticmethod
    def detail(item: ActionItem | None) -> Text:
        """The selected item whole: the list cuts titles to their column."""
        if item is None:
            return Text()
        text = Text.assemble(("▸ ", "bold"), lit_block(item.title))
        for label, value in (("owner", item.owner), ("due", item.due), ("ticket", item.ticket)):
            if value:
                text.append(f" · {label} ", "dim")
                text.append_text(lit_block(str(value)))
        return text

    @property
    def view(self) -> ActionList:
        return self.query_one(ActionList)

    def show(self, items: list[ActionItem], today: date) -> None:
        self.view.set_items(items, today)
        done = sum(1 for i in items if i.done)
        self.border_title = (
            f"4 Action items ({done}/{len(items)} done)" if items else ("4 Action items")
        )


class ActionForm(Modal):
    """Title, owner, due date and ticket of one action item; enter saves."""

    DEFAULT_CSS = """
    ActionForm .form-row { height: 1; margin-bottom: 1; }
    ActionForm .form-label { width: 8; text-style: bold; }
    ActionForm Input { width: 1fr; padding: 0 1; background: $boost; }
    ActionForm Input:focus { background: $primary 30%; }
    ActionForm #form-error { color: $error; text-style: bold; display: none; width: 1fr; }
    ActionForm #form-error.-shown { display: block; margin-bottom: 1; }
    """
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="action_form.save")]

    def __init__(
        self,
        title: str,
        values: dict | None = None,
        people: list[str] | None = None,
        error: str = "",
    ):
        super().__init__()
        self.title_text = title
        self.values = values or {}
        self.people = people or []
        self.error = error

    def compose(self) -> ComposeResult:
        values = self.values
        due = values.get("due")
        due_text = due.isoformat() if isinstance(due, date) else (due or "")
        with Vertical():
            yield Label(lit(self.title_text, "bold"), classes="prompt")
            for key, label, value, placeholder in (
                ("title", "Action", values.get("title", ""), "what will be done (required)"),
                ("owner", "Owner", values.get("owner", ""), "who does it (optional)"),
                ("due", "Due", due_text, "YYYY-MM-DD (optional)"),
                ("ticket", "Ticket", values.get("ticket", ""), "e.g. OPS-1234 (optional)"),
            ):
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    suggester = (
                        SuggestFromList(self.people, case_sensitive=False)
                        if key == "owner" and self.people
                        else None
                    )
                    yield Input(
                        value,
                        placeholder=placeholder,
                        id=f"form-{key}",
                        compact=True,
                        suggester=suggester,
                        select_on_focus=False,
                    )
            yield Label("", id="form-error")
            yield Label("tab: next field · enter: save · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        if self.error:
            self.show_error(self.error)

    def show_error(self, message: str) -> None:
        error = self.query_one("#form-error", Label)
        error.update(lit_block(message))
        error.add_class("-shown")

    def field(self, key: str) -> str:
        return self.query_one(f"#form-{key}", Input).value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Check everything here, with the rules the store and the CLI use
        (usecases.check_action), so a mistake keeps the form and what was typed."""
        try:
            fields = check_action(
                self.field("title"), self.field("owner"), self.field("due"), self.field("ticket")
            )
        except FieldError as exc:
            self.show_error(str(exc))
            if exc.field != "ticket":
                self.query_one(f"#form-{exc.field}").focus()
            return
        self.dismiss(
            {
                "title": fields.title,
                "owner": fields.owner,
                "due": fields.due,
                "ticket": fields.ticket,
            }
        )
