"""The draft editor: a TextArea with the draft's keys, made on first use (see DraftView)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warroom.tui.widgets.draft_keys import DraftKeys
from warroom.tui.widgets.safe import SafeTextArea as TextArea  # shows text through visible()

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room


class DraftEditor(DraftKeys, TextArea):
    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    BINDINGS = DraftKeys.KEYS
