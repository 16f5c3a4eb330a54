"""The draft editor: a TextArea with the draft's keys, made on first use (see DraftView)."""

from __future__ import annotations

from warroom.tui.widgets.draft_keys import DraftKeys
from warroom.tui.widgets.safe import SafeTextArea as TextArea  # shows text through visible()


class DraftEditor(DraftKeys, TextArea):
    BINDINGS = DraftKeys.KEYS
