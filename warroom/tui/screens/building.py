"""StartupScreen: a screen that may still be making its widgets or reading
what they show (`building`); keys typed meanwhile wait in the key gate and
land once it is done (see warroom/tui/keygate.py).

Nothing here reaches past Textual's public API: a screen opens whole, in one
frame, once what it shows has been read on the database worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from textual import getters

    from warroom.tui.room import Room


class StartupScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(Room)  # self.app, typed (the one at run time is Textual's)

    # Still making its widgets or reading what they show: keys wait (see keygate).
    building = False
