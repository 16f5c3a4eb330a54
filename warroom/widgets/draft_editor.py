"""The draft editor: a TextArea with the draft's keys, made on first use (see DraftView)."""

from __future__ import annotations

from textual.widgets import TextArea

from .draft_keys import DraftKeys


class DraftEditor(DraftKeys, TextArea):
    BINDINGS = DraftKeys.KEYS
