"""Making untrusted text safe: for the terminal, for Markdown, and within limits.

Text is always *stored* exactly as given; these functions shape how it is shown."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from warroom.core.errors import UsageError

# Input limits (characters). Documented in the README.
MAX_TITLE = 200
MAX_NAME = 64
MAX_NOTE = 20_000
MAX_DRAFT = 20_000
MAX_SHORT = 2_000  # resolution, action items, whys

_C0_PICTURE = {code: chr(0x2400 + code) for code in range(0x20)}  # NUL -> ␀, ESC -> ␛
_TABLE = {**_C0_PICTURE, 0x7F: "\u2421"}  # DEL -> ␡
# C1 controls (0x80-0x9f) include the 8-bit CSI: shown as a replacement mark.
_TABLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})
# Characters that change direction or are invisible let a title read as something
# it is not ("gnp.exe" spelt backwards): bidi embeddings, overrides, isolates and
# marks, zero-width characters and the BOM. Each is shown as one visible mark.
BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
ZERO_WIDTH = [0x00AD, 0x180E, 0x200B, *range(0x2060, 0x2065), 0xFEFF]
# The joiners shape emoji (👩‍💻) and Indic and Persian words: kept between two
# such characters, a placeholder anywhere else (see _joiner).
JOINERS = "\u200c\u200d"
_JOINER = re.compile(f"[{JOINERS}]")
_TABLE.update({code: "\u2425" for code in BIDI})  # ␥
_TABLE.update({code: "\u2423" for code in ZERO_WIDTH})  # ␣
# Line and paragraph separators break a line in some terminals and not in others.
_TABLE.update({0x2028: "\u2424", 0x2029: "\u2424"})  # ␤
_MULTILINE = {k: v for k, v in _TABLE.items() if k not in (0x0A, 0x09)}
# Every mapping is one character for one, so positions in the stored text are
# positions on the screen (the input widgets rely on that for their cursor).
assert all(len(v) == 1 for v in _TABLE.values())


def _any_of(codes: Iterable[int]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(codes)) + "]")


# Whether translate would change anything, found at C speed: most text has
# nothing to replace, and translate looks every character up in the table
# (0.2 s for a 10,000-entry JSON export).
_NEEDS = _any_of(_TABLE)
_NEEDS_MULTILINE = _any_of(_MULTILINE)


def _joiner(match: re.Match[str]) -> str:
    text, at = match.string, match.start()
    before = text[at - 1] if at else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    joins = all(
        ord(ch) > 0x7F and not ch.isspace() and ord(ch) not in _TABLE and ch not in JOINERS
        for ch in (before, after)
    )
    return match.group() if joins else "\u2423"


def visible(text: str, multiline: bool = False) -> str:
    """The one way text from users, the database, policy, config, hooks or the
    environment is made safe for a terminal: controls, direction changes and
    invisible characters become visible placeholders, one for one.

    With multiline, newlines and tabs are kept as layout."""
    if "\u200c" in text or "\u200d" in text:
        text = _JOINER.sub(_joiner, text)
    if multiline:
        return text.translate(_MULTILINE) if _NEEDS_MULTILINE.search(text) else text
    return text.translate(_TABLE) if _NEEDS.search(text) else text


def one_line(text: str) -> str:
    """A single display line: newlines shown as ⏎, other controls as placeholders."""
    return visible(text.replace("\r\n", "\n").replace("\n", " \u23ce "))


def in_one_line(text: str) -> str:
    """Text in a one-line input: each newline shown as ⏎, one character for
    one (the input's cursor relies on that), other controls as placeholders."""
    return visible(text.replace("\n", "\u23ce"))


def is_unsafe(ch: str) -> bool:
    """A character `visible` would replace (newline and tab included; a joiner
    only where it joins nothing)."""
    return ord(ch) in _TABLE


# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ' before a formula
    start (the OWASP rule), and controls other than newline escaped."""
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return visible(text, multiline=True).replace("\t", "\u2409")


def clean_name(name: str, what: str = "name") -> str:
    stripped = name.strip()
    if not stripped:
        raise UsageError(f"{what} must not be empty")
    if len(stripped) > MAX_NAME:
        raise UsageError(f"{what} is longer than {MAX_NAME} characters")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in stripped):
        raise UsageError(f"{what} must not contain control characters")
    return stripped


def clean_title(title: str) -> str:
    stripped = title.strip()
    if not stripped:
        raise UsageError("title must not be empty")
    if len(stripped) > MAX_TITLE:
        raise UsageError(f"title is longer than {MAX_TITLE} characters ({len(stripped)})")
    return stripped


def clip(text: str, limit: int) -> tuple[str, bool]:
    """Cut text to `limit` characters; says whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True


def labels_line(labels: dict[str, str], limit: int = 60) -> str:
    """'severity=critical service=api' on one line, safe for a terminal."""
    return one_line(" ".join(f"{k}={v}" for k, v in sorted(labels.items())))[:limit]


def check_length(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise UsageError(f"{what} is longer than {limit} characters ({len(text)})")
    return text


def say(text: object = "", *, err: bool = False, end: str = "\n") -> None:
    """The one way the CLI writes to a terminal: all of it through `visible`,
    so no title, name, policy word, hook line or error can carry an escape."""
    stream = sys.stderr if err else sys.stdout
    # CSV rows end in \r\n by its standard: kept as line ends, not shown as ␍.
    lines = str(text).split("\r\n")
    stream.write("\r\n".join(visible(line, multiline=True) for line in lines) + end)
