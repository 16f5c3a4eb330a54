"""The timeline panel's parts made when first needed, with their styles: the
row a search is typed in, and the line of notes not saved yet.

Neither shows in the war room's first frame, so neither their classes nor
their styles are made and parsed as warroom starts: this module is imported
the first time one of them is made (timeline.py), and their rules (as they
were in the panel's styles, unscoped) come with their first widget."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label

from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()


class SearchInput(Input):
    HELP_GROUP = "4 Search"
    BINDINGS = [
        Binding("escape", "clear", "Clear search", id="search.clear"),
    ]

    class Cleared(Message):
        pass

    def action_clear(self) -> None:
        self.post_message(self.Cleared())


class SearchRow(Horizontal):
    """The row a search is typed in (see TimelinePanel.on_timeline_view_search_requested)."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    TimelinePanel #search-row { height: 1; display: none; }
    TimelinePanel.-searching #search-row { display: block; }
    TimelinePanel #search-label { width: auto; padding: 0 1; background: $boost; }
    TimelinePanel #search-input, TimelinePanel #search-input:focus {
        border: none; height: 1; padding: 0 1; width: 1fr;
    }
    """


def search_row() -> SearchRow:
    return SearchRow(
        Label("search", id="search-label"),
        SearchInput(placeholder="text or name · enter: keep · escape: clear", id="search-input"),
        id="search-row",
    )


class WaitingLine(Label):
    """The notes submitted and not in the store yet, over the note input."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    TimelinePanel #note-waiting { height: auto; max-height: 3; color: $warning; display: none; }
    """
