"""The base of every dialog: a centred box that escape cancels.

Here, beside the widgets, rather than among the screens: dialogs that belong
to a widget (the action form) are built on it, and widgets never import screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import ModalScreen

from warroom.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room


class Modal(ModalScreen):
    """A centred dialog that escape cancels (dismissing with None)."""

    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    DEFAULT_CSS = """
    Modal { align: center middle; }
    Modal > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    Modal .prompt { margin-bottom: 1; width: 1fr; }
    Modal .hint { color: $text-muted; width: 1fr; }  /* wraps: a hint is never cut */
    Modal OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal.cancel")]

    def on_mount(self) -> None:
        # The dialog's own keys along the bottom, over the screen it covers.
        self.mount(KeyBar())

    def action_cancel(self) -> None:
        self.dismiss(None)
