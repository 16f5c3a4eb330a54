"""What a sender may send: past any of these the request is refused (400 or
413) with one line saying which limit, and nothing of it is stored."""

from __future__ import annotations

from typing import Any

from warroom.core.text import one_line

MAX_BODY = 512 * 1024  # bytes of one request body
MAX_ALERTS = 1000  # alerts in one request
MAX_LABELS = 64  # labels (and, apart, annotations) of one alert
MAX_KEY = 128  # characters of a label's name
MAX_VALUE = 4096  # characters of any one text value
MAX_DEPTH = 10  # nesting of the JSON document
READ_TIMEOUT = 10.0  # seconds to receive the whole body
MAX_CONCURRENT = 16  # requests handled at once (more wait their turn)


class Malformed(ValueError):
    """The payload is not what the endpoint takes: the one line says why (400).
    The line is made one line here, whatever a sender's key names held."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def check_depth(doc: Any) -> None:
    """Refuse a document nested deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Malformed(f"the JSON is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def text(value: Any, what: str, *, required: bool = False, limit: int = MAX_VALUE) -> str:
    """A string field within its limit ('' when absent and not required)."""
    if value is None:
        if required:
            raise Malformed(f"{what} is missing")
        return ""
    if not isinstance(value, str):
        raise Malformed(f"{what} must be a string")
    if len(value) > limit:
        raise Malformed(f"{what} is longer than {limit} characters")
    _unicode(value, what)
    if required and not value.strip():
        raise Malformed(f"{what} is empty")
    return value


def _unicode(value: str, what: str) -> None:
    """JSON may escape a lone surrogate (\\ud800), which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed(f"{what} is not valid Unicode (a lone surrogate)") from None


def string_map(value: Any, what: str) -> dict[str, str]:
    """A flat map of strings (labels, annotations) within the limits."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{what} must be an object of strings")
    if len(value) > MAX_LABELS:
        raise Malformed(f"{what} has more than {MAX_LABELS} entries")
    out = {}
    for key, item in value.items():
        if len(key) > MAX_KEY:
            raise Malformed(f"{what} has a name longer than {MAX_KEY} characters")
        _unicode(key, f"a name in {what}")
        out[key] = text(item, f"{what}.{key[:40]}")
    return out


def alert_list(value: Any, what: str = "alerts") -> list:
    if not isinstance(value, list):
        raise Malformed(f"{what} must be a list")
    if len(value) > MAX_ALERTS:
        raise Malformed(f"more than {MAX_ALERTS} {what} in one request")
    return value
