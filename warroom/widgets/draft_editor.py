"""The draft editor: a TextArea with the draft's keys, made on first use (see DraftView)."""

from __future__ import annotations

from .draft_keys import DraftKeys
from .safe import SafeTextArea as TextArea  # shows text through visible()


class DraftEditor(DraftKeys, TextArea):
    BINDINGS = DraftKeys.KEYS
