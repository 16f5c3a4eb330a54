"""The one way the command line writes to the terminal (core: no Textual)."""

from __future__ import annotations

import sys

from .text import visible


def say(text: object = "", *, err: bool = False, end: str = "\n") -> None:
    """Everything the CLI prints goes through `visible`, so no title, name,
    policy word, hook line or error can carry an escape to the terminal."""
    stream = sys.stderr if err else sys.stdout
    # CSV rows end in \r\n by its standard: kept as line ends, not shown as ␍.
    lines = str(text).split("\r\n")
    stream.write("\r\n".join(visible(line, multiline=True) for line in lines) + end)
