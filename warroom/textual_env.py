"""Settings Textual reads from the environment, once, when it is first imported.

Textual draws frames on a fixed grid of 1/FPS seconds, and only when something
changed. A key that lands just after a frame waits for a later slot (up to two
slots), so at the default 60 a key can wait ~33 ms before anything is drawn; at
120 it waits at most ~17 ms. Idle cost is unchanged: no change, no frame."""

from __future__ import annotations

import os

FRAME_RATE = "120"


def apply() -> None:
    """Call before the first import of Textual; a user's own setting wins."""
    os.environ.setdefault("TEXTUAL_FPS", FRAME_RATE)
