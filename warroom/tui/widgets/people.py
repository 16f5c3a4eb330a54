"""Choosing a person: type a name, or filter and pick someone the database knows.

Used inline on the role board (a hand-off is one keystroke from done, with no
dialog to open and close) and in the "act as" dialog."""

from __future__ import annotations

import re
from typing import cast

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label

from warroom.tui.widgets.common import lit
from warroom.tui.widgets.rows import RowList
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()

# More than this many matches: type a few letters to narrow them down.
MAX_SHOWN = 50
NEW = "\x00new"  # the option for the typed name as a new person (no name holds NUL)
# '@23:10 alice' (times_first): alice, at 23:10. The time is read where it is used.
_WHEN = re.compile(r"^@(\S+)\s+(.*)$", re.DOTALL)


def split_when(typed: str) -> tuple[str, str]:
    """('23:10', 'alice') from '@23:10 alice'; ('', typed) without the prefix."""
    match = _WHEN.match(typed.lstrip())
    return (match.group(1), match.group(2)) if match else ("", typed)


class PeopleList(RowList, inherit_bindings=False):
    """The matches under the name: a letter typed here goes on with the name
    rather than setting off a war-room key.

    A RowList, not Textual's OptionList: it knows its size before it paints,
    so opening the chooser lays the screen out once (an OptionList measures
    its rows while it paints and asks for a second layout of the whole
    screen), and a letter typed repaints the rows that changed."""

    HELP_GROUP = "Person chooser: the people listed"
    BINDINGS = [  # no letters (j and k move a RowList): they go on with the name
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-5)", "Page up", show=False),
        Binding("pagedown", "move(5)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Pick", show=False),
    ]

    class Selected(Message):
        """A row was picked (enter on the list, or a click)."""

        def __init__(self, row_id: str):
            super().__init__()
            self.row_id = row_id

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isprintable()

    def on_key(self, event) -> None:
        if event.character is not None and event.character.isprintable():
            event.stop()
            chooser = cast(PersonChooser, self.parent)
            chooser.input.focus()
            chooser.input.insert_text_at_cursor(event.character)

    def action_select(self) -> None:
        if (row_id := self.highlighted_id) is not None:
            self.post_message(self.Selected(row_id))

    def on_click(self, event: events.Click) -> None:
        event.prevent_default()  # RowList's own handler is called here, before the pick
        RowList.on_click(self, event)
        self.action_select()


class PersonChooser(Vertical):
    """A title, a name input and the known people matching it."""

    DEFAULT_CSS = """
    PersonChooser { height: auto; }
    PersonChooser .chooser-title { width: 1fr; }
    PersonChooser Input { margin: 0; }
    PersonChooser PeopleList {
        height: auto; max-height: 12;
        border: tall $border-blurred; padding: 0 1; background: $surface;
    }
    PersonChooser PeopleList:focus { border: tall $border; background-tint: $foreground 5%; }
    PersonChooser .chooser-hint { color: $text-muted; width: 1fr; }
    """
    HELP_GROUP = "Person chooser"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="chooser.cancel")]

    class Chosen(Message):
        def __init__(self, person: str, when: str = ""):
            super().__init__()
            self.person = person
            self.when = when  # a time typed first ('@23:10 alice'), with times_first

    class Cancelled(Message):
        pass

    class DigitFirst(Message):
        """A digit typed into the empty name, when digits_leave is set."""

        def __init__(self, digit: str):
            super().__init__()
            self.digit = digit

    def __init__(self, hint: str = "type to filter · ↓ to pick · enter · escape", **kwargs):
        super().__init__(**kwargs)
        self.hint = hint
        self.people: list[str] = []
        self._request: tuple[str, list[str]] | None = None

    def compose(self):
        yield Label("", classes="chooser-title")
        yield Input(placeholder="name (new or known)", id="person", select_on_focus=False)
        yield PeopleList(id="people")
        yield Label(self.hint, classes="chooser-hint")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def start(self, title: str, people: list[str], exclude: set[str] | None = None) -> None:
        """Offer these people (minus `exclude`) under `title`, with an empty input;
        on a chooser not yet mounted, as soon as it is."""
        self._request = (title, [p for p in people if p not in (exclude or set())])
        if self.is_mounted:
            self._start()

    def on_mount(self) -> None:
        if self._request is not None:
            self._start()

    def _start(self) -> None:
        assert self._request is not None  # see on_mount and ask
        title, self.people = self._request
        self._request = None
        self.query_one(".chooser-title", Label).update(lit(title, "bold"))
        field = self.input
        # Emptied without its Changed message: filtered once, here, rather than
        # again when the message comes (the list measured and drawn twice).
        with field.prevent(Input.Changed):
            field.value = ""
        self._filter("")
        field.focus()

    times_first = False  # '@23:10 alice' chooses alice, at 23:10: see Chosen.when

    def _typed(self, value: str) -> tuple[str, str]:
        """(when, name) from what is in the input."""
        return split_when(value) if self.times_first else ("", value)

    def _filter(self, typed: str) -> None:
        """Known people matching what is typed, and the typed name itself as a
        new person; the highlighted row is what enter takes."""
        typed = self._typed(typed)[1].strip()
        needle = typed.lower()
        hits = [p for p in self.people if needle in p.lower()][:MAX_SHOWN]
        rows: list[tuple[str | None, Text]] = [(p, lit(p)) for p in hits]
        if typed and typed not in self.people:
            new = Text.assemble(("+ ", "bold"), lit(typed), ("  new", "dim italic"))
            rows.append((NEW, new))
        olist = self.query_one(PeopleList)
        olist.set_rows(rows)
        if typed in hits:
            olist.highlighted = hits.index(typed)
        elif len(hits) == 1:
            olist.highlighted = 0  # one known match: take it rather than a fragment
        elif typed:
            olist.highlighted = len(rows) - 1
        else:
            olist.highlighted = None

    digits_leave = False  # a digit as the first key means something else: see DigitFirst

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.digits_leave and len(event.value) == 1 and event.value.isdigit():
            self.post_message(self.DigitFirst(event.value))
            return
        self._filter(event.value)

    def _take(self, option_id: str | None) -> None:
        when, name = self._typed(self.input.value)
        if option_id is None:
            self.app.notify("Type a name or pick one", severity="warning")
        elif option_id == NEW:
            self.post_message(self.Chosen(name.strip(), when))
        else:
            self.post_message(self.Chosen(option_id, when))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._take(self.query_one(PeopleList).highlighted_id)

    def on_people_list_selected(self, event: PeopleList.Selected) -> None:
        event.stop()
        self._take(event.row_id)

    def on_key(self, event) -> None:
        olist = self.query_one(PeopleList)
        if event.key == "down" and self.input.has_focus and olist.ids:
            event.stop()
            olist.highlighted = 0  # down the list, from its top
            olist.focus()
        elif event.key == "up" and olist.has_focus and olist.highlighted in (0, None):
            event.stop()
            self.input.focus()

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class RoleChooser(PersonChooser):
    """The person chooser the roles panel shows inline, under the roles.

    Its styles are here, not in RolesPanel's: they are parsed when the first
    hand-off makes it, not as the war room starts (selectors as they were,
    unscoped)."""

    SCOPED_CSS = False
    # It keeps its place under the roles, hidden (not removed) when
    # idle: showing and hiding it moves nothing, so nothing else is redrawn.
    DEFAULT_CSS = """
    RolesPanel PersonChooser {
        visibility: hidden; border: round $primary; overlay: screen; background: $surface;
    }
    RolesPanel PersonChooser PeopleList, RolesPanel PersonChooser PeopleList:focus {
        height: 5; border: none; padding: 0;
        /* Its scrollbar always there: one that came and went with the
           matches (a typed name alone, then everyone at the next hand-off)
           laid the whole screen out a second time as the chooser opened.
           Its track is the list's own colour: only the thumb shows, and
           only when there are more people than rows. */
        overflow-y: scroll;
        scrollbar-background: $surface;
        scrollbar-background-hover: $surface;
        scrollbar-background-active: $surface;
    }
    RolesPanel PersonChooser Input, RolesPanel PersonChooser Input:focus {
        border: none; height: 1; padding: 0 1; background: $boost;
    }
    """
