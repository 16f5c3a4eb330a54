"""The draft's keys, shared by the editor and the view that stands in for it
(its own module so draft.py and draft_editor.py need not import each other)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from textual.binding import Binding, BindingType
from textual.message import Message

if TYPE_CHECKING:
    from textual.screen import Screen

    from warroom.tui.room import Room


class _Host(Protocol):
    """What the keys use of the widget they are mixed into."""

    @property
    def app(self) -> Room: ...
    @property
    def screen(self) -> Screen[Any]: ...
    @property
    def text(self) -> str: ...
    def post_message(self, message: Message) -> bool: ...


class DraftKeys:
    """The draft's keys: on the editor, and on the view that stands in for it
    until the editor is made (so help and the key bar list them from the start)."""

    HELP_GROUP = "5 Draft update"
    KEYS: list[BindingType] = [
        Binding("ctrl+o", "publish", "Publish", id="draft.publish", tooltip="Publish update"),
        Binding("ctrl+t", "template", "Template", id="draft.template", tooltip="Start from"),
        Binding("ctrl+r", "history", "History", id="draft.history", tooltip="Earlier versions"),
        Binding("ctrl+y", "copy_all", "Copy", id="draft.copy", tooltip="Copy to clipboard"),
        Binding(
            "escape",
            "leave",
            "Leave",
            id="draft.leave",
            tooltip="esc or alt+1-5: leave the editor; the draft is saved",
        ),
    ]

    class Publish(Message):
        pass

    class TemplateRequested(Message):
        pass

    class HistoryRequested(Message):
        pass

    def action_publish(self: _Host) -> None:
        self.post_message(DraftKeys.Publish())

    def action_template(self: _Host) -> None:
        self.post_message(DraftKeys.TemplateRequested())

    def action_history(self: _Host) -> None:
        self.post_message(DraftKeys.HistoryRequested())

    def action_copy_all(self: _Host) -> None:
        self.app.copy_to_clipboard(self.text)
        self.app.notify("Draft copied to the clipboard")

    async def action_leave(self: _Host) -> None:
        # To the next panel: with one panel shown at a time there is nothing
        # else focusable on screen to move to.
        await self.screen.run_action("cycle_panel(1)")
