"""Making untrusted text safe: for the terminal, for Markdown, and within limits.

Text is always *stored* exactly as given; these functions shape how it is shown."""

from __future__ import annotations

from .errors import UsageError

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
_MULTILINE = {k: v for k, v in _TABLE.items() if k not in (0x0A, 0x09)}


def visible(text: str, multiline: bool = False) -> str:
    """Replace control characters with visible placeholders.

    Escape sequences, NUL and other controls never reach the terminal raw.
    With multiline, newlines and tabs are kept as layout."""
    return text.translate(_MULTILINE if multiline else _TABLE)


def one_line(text: str) -> str:
    """A single display line: newlines shown as ⏎, other controls as placeholders."""
    return visible(text.replace("\r\n", "\n").replace("\n", " \u23ce "))


def clean_name(name: str, what: str = "name") -> str:
    stripped = name.strip()
    if not stripped:
        raise UsageError(f"{what} must not be empty")
    if len(stripped) > MAX_NAME:
        raise UsageError(f"{what} is longer than {MAX_NAME} characters")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in stripped):
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


def check_length(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise UsageError(f"{what} is longer than {limit} characters ({len(text)})")
    return text
