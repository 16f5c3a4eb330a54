"""How verbs print. Untrusted text goes through core/text.py (one_line,
visible) on its way to stdout or stderr:

- done(): what a verb did, one line, silenced by -q. Verbs whose output a
  script reads (a new incident's, entry's, task's or action item's id) print
  the bare id instead, -q or not;
- print_json(): data as JSON, made by the json module (formats/json.py);
- document(): a whole document to stdout, or to the -o file (written
  atomically, formats/atomic.py), its path printed;
- problem(): a warning after the change itself was made, on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.text import one_line, say

if TYPE_CHECKING:
    from warroom.cli.context import Context


def done(ctx: Context, line: str, err: bool = False) -> None:
    """What a verb did, one line on stdout, unless -q."""
    if not getattr(ctx.args, "quiet", False):
        say(line, err=err)


def print_json(data: Any) -> None:
    """Data as JSON on stdout: exact, readable Unicode, nothing a terminal acts on."""
    from warroom.formats.json import json_text  # only the verbs asked for JSON load it

    say(json_text(data))


def document(args, text: str) -> None:
    """A document (export, follow-ups, a calendar event) to stdout as it is, or
    to --output, atomically: an existing file only with --force."""
    if args.output is None:
        say(text, end="")
        return
    from pathlib import Path

    from warroom.formats.atomic import write_atomic

    say(write_atomic(Path(args.output), text, force=args.force))


def problem(text: str | None) -> None:
    """A problem after the change was made (a hook, the status page): one line on stderr."""
    if text:
        say(f"warroom: {one_line(text)}", err=True)
