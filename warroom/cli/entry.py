"""The `warroom` command's entry point: collection is held off before the
command line's modules are imported (the store's, and for the war room
Textual's and its own), which allocate what lives as long as the process;
commands.main turns it back on for a verb, the war room once its first frame
is painted. About 1.5 ms of collector passes at every start (bench figures 10
and 11)."""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    from warroom.cli.commands import main as run

    return run()
