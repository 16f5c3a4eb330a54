"""Panel 5: the communicator's draft update, saved to the store as it is typed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from warroom.core.merge import merge3
from warroom.core.model import Draft, Incident
from warroom.core.policy import Policy
from warroom.core.sla import next_update
from warroom.core.templates import draft_text
from warroom.core.text import one_line
from warroom.core.timefmt import fmt_minutes, fmt_short_time
from warroom.tui.widgets.common import STATE_STYLE, KeptLines, Panel, lit_block
from warroom.tui.widgets.draft_keys import DraftKeys

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room

if TYPE_CHECKING:
    from textual.timer import Timer

    from warroom.tui.widgets.draft_editor import DraftEditor

SAVE_DELAY = 0.3  # seconds of typing pause before the draft is written


def version_labels(versions: list, utc: bool) -> list[str]:
    """The draft history's rows, newest first: each version's number, time and
    author, and the first line where it differs from the version before it
    (every version starts with the same heading, so its first line tells
    eight versions apart from none)."""
    labels = []
    for n, version in enumerate(versions):
        older = versions[n + 1].text if n + 1 < len(versions) else ""
        when = fmt_short_time(version.saved_at, utc) if version.saved_at else ""
        note = f" ({one_line(version.note)})" if version.note else ""
        who = one_line(version.saved_by)
        labels.append(
            f"v{version.version} {when} {who}{note}: {_first_change(version.text, older)}"
        )
    return labels


def _first_change(text: str, older: str) -> str:
    lines, before = text.split("\n"), older.split("\n")
    for at in range(max(len(lines), len(before))):
        now = lines[at] if at < len(lines) else None
        was = before[at] if at < len(before) else None
        if now != was:
            if now is None or not now.strip() and was:
                return f"line {at + 1} removed: {one_line(was or '')[:40]}"
            return f"line {at + 1}: {one_line(now)[:40]}"
    return "(the same text)"


class DraftView(KeptLines, DraftKeys, Widget, can_focus=True):
    """The draft as text, until someone goes to edit it. The editor (a TextArea)
    is made on first focus: most people in the room never type in panel 5, and
    a TextArea costs more to build and lay out than the rest of the panel.
    Keys typed before the editor is ready are handed on to it."""

    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    BINDINGS = DraftKeys.KEYS
    DEFAULT_CSS = """
    DraftView { height: 1fr; }
    """

    class Opened(Message):
        pass

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.text = ""
        self.pending: list[str] = []  # characters typed while the editor was on its way

    def show(self, text: str) -> None:
        self.text = text
        self.refresh()

    def render(self) -> Text:
        return lit_block(self.text)

    def on_focus(self) -> None:
        self.post_message(self.Opened())

    def on_key(self, event: events.Key) -> None:
        typed = {"space": " ", "enter": "\n"}.get(event.key)
        if typed is None and event.is_printable:
            typed = event.character
        if typed is not None:
            event.stop()
            self.pending.append(typed)


class DraftPanel(Panel):
    DEFAULT_CSS = """
    DraftPanel DraftEditor, DraftPanel DraftEditor:focus { height: 1fr; border: none; padding: 0; }
    DraftPanel DraftView { padding: 0; }
    DraftPanel #draft-status { height: 1; color: $text-muted; }
    """

    class Save(Message):
        def __init__(self, text: str, base_version: int):
            super().__init__()
            self.text = text
            self.base_version = base_version

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(5, "Draft update (ctrl+o publish)", **kwargs)
        self.policy = policy
        self.version = 0
        self.saved_text = ""
        self._timer: Timer | None = None
        self._status = ""
        self.incident: Incident | None = None
        self.draft: Draft | None = None
        self._editor: DraftEditor | None = None  # mounted by open_editor

    def compose(self):
        yield DraftView(id="draft-view")
        yield Static("", id="draft-status")

    @property
    def editor(self) -> DraftEditor | None:
        """The editor, once someone has gone to edit (see DraftView). Kept,
        not looked up: every write's redraw asks (dirty), and a DOM query each time
        cost more than the rest of showing the draft."""
        editor = self._editor
        return editor if editor is not None and editor.is_attached else None

    @property
    def text(self) -> str:
        editor = self.editor
        return editor.text if editor is not None else self.query_one(DraftView).text

    def load_text(self, text: str) -> None:
        """Show text from the store or a template. In the editor this is one
        edit (ctrl+z undoes it) and the cursor keeps its place."""
        editor = self.editor
        if editor is None:
            self.query_one(DraftView).show(text)
        elif editor.text != text:
            editor.replace(text, (0, 0), editor.document.end, maintain_selection_offset=True)

    async def open_editor(self) -> None:
        """Put the editor in the view's place (once) and focus it."""
        editor = self.editor
        if editor is None:
            view = self.query_one(DraftView)
            from warroom.tui.widgets.draft_editor import (
                DraftEditor,  # Textual's TextArea: imported when needed
            )

            editor = DraftEditor(
                view.text, id="draft-editor", soft_wrap=True, show_line_numbers=False
            )
            await self.mount(editor, before=view)
            self._editor = editor
            editor.focus()
            await view.remove()
            # Keys that reached the view came before any that reached the editor
            # (which starts with its cursor at the top): they go in first.
            if view.pending:
                editor.insert("".join(view.pending), location=(0, 0))
            return
        editor.focus()

    async def on_draft_view_opened(self, message: DraftView.Opened) -> None:
        message.stop()
        await self.open_editor()

    @property
    def dirty(self) -> bool:
        return self.text != self.saved_text

    def show(self, incident: Incident, draft: Draft, now: datetime) -> None:
        """Take the draft as the incident has it (draft_text: the stored text
        with its generated parts following the incident, or the template when
        nobody saved one), unless the user has unsaved typing (theirs wins
        locally; the save that follows detects any conflict in the store).
        Showing it saves nothing: only typing does."""
        self.incident = incident
        self.draft = draft
        if not self.dirty:
            text = draft_text(self.policy, incident, draft.text, now, draft.version > 0)
            if draft.version != self.version or text != self.saved_text:
                self.saved_text = text
                self.version = draft.version
                self.load_text(text)
        self.tick(now)

    def mark_saved(self, draft: Draft, sent: str) -> None:
        """The store took `sent` as `draft`. What was typed since stays as it
        is, cursor and all; only someone else's edit merged in by the store
        is folded into the editor (three-way, against what was sent)."""
        self.draft = draft
        self.version = draft.version
        self.saved_text = draft.text
        if draft.text == sent:
            return
        merged = merge3(sent, self.text, draft.text)
        if merged is not None:
            self.load_text(merged)

    def tick(self, now: datetime) -> None:
        parts = []
        if self.incident is not None:
            due = next_update(self.policy, self.incident, now)
            if due:
                word, _ = STATE_STYLE[due.state]
                sign = "in" if due.remaining.total_seconds() >= 0 else "overdue by"
                parts.append(f"next update {sign} {fmt_minutes(due.remaining)} ({word})")
        if self.dirty:
            parts.append("saving…")
        elif self.draft and self.draft.updated_at:
            parts.append(
                f"saved v{self.version} {fmt_short_time(self.draft.updated_at, self.app.utc, now)}"
            )
        status = " · ".join(parts)
        if status != self._status:  # to the minute: repaint only when it reads differently
            self._status = status
            self.query_one("#draft-status", Static).update(status, layout=False)

    def on_text_area_changed(self, event) -> None:
        event.stop()
        if not self.dirty:  # a load from the store, or typing undone back to saved
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_DELAY, self.flush)

    def cancel_pending(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def flush(self) -> None:
        """Ask for the typed text to be saved (after the typing pause)."""
        self.cancel_pending()
        if self.dirty:
            self.post_message(self.Save(self.text, self.version))
