"""Settings the TUI starts with: what Textual reads from the environment once,
when it is first imported, and the garbage collector's thresholds.

Textual draws frames on a fixed grid of 1/FPS seconds, and only when something
changed. A key that lands just after a frame waits for a later slot (up to two
slots), so at the default 60 a key can wait ~33 ms before anything is drawn; at
120 it waits at most ~17 ms. Idle cost is unchanged: no change, no frame."""

from __future__ import annotations

import gc
import os

FRAME_RATE = "120"

# A long-lived app of many small objects: collect less often. At the defaults,
# start-up alone (Textual's imports, the war room's widgets and first page of
# entries) triggers dozens of collections, and later ones land mid-keypress.
GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


def apply() -> None:
    """Call when the TUI starts, before the first import of Textual (never at
    import: the CLI's headless verbs share the process); a user's own frame
    rate setting wins."""
    os.environ.setdefault("TEXTUAL_FPS", FRAME_RATE)
    tune_gc()
