"""A declare typed as one line: 'P1 #rb @20m checkout returns 500'.

Words at the start (or the end) of the title may say the priority (one of the
policy's, any case: `P1`), the category (`#` and the start of its name or the
initials of its words: `#r`, `#rb`, `#security`) and when it was reported (`@`
and a time as a note takes it: `@20m`, `@14:05`). What is left is the title.
A `#` word that names no category, or an `@` word that is not a time, is
refused, so a typo never ends up in the title unnoticed. The rule is here so
the CLI and the TUI read the same line the same way."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from warroom.core.errors import UsageError
from warroom.core.policy import Policy
from warroom.core.record import record
from warroom.core.timefmt import parse_time

_SMALL_WORDS = {"or", "and", "of", "the", "a", "an", "to", "in", "for"}
_CATEGORY = re.compile(r"#([A-Za-z][\w-]*)")


@record
class DeclareLine:
    title: str
    priority: str | None = None
    category: str | None = None
    reported_at: datetime | None = None


def initials(category: str, skip_small: bool = True) -> str:
    words = re.findall(r"[A-Za-z0-9]+", category.lower())
    kept = [w for w in words if not (skip_small and w in _SMALL_WORDS)] or words
    return "".join(w[0] for w in kept)


def match_category_word(policy: Policy, word: str) -> str:
    """`#word`'s category: its name's start, or the initials of its words
    ('rb' or 'rob' for 'regression or bug')."""
    wanted = word.lower()
    by_initials = [
        c for c in policy.categories if wanted in (initials(c), initials(c, skip_small=False))
    ]
    if len(by_initials) == 1:
        return by_initials[0]
    return policy.match_category(word)


def parse_declare_line(
    text: str, policy: Policy, now: datetime, zone: tzinfo | None = None
) -> DeclareLine:
    words = text.split()
    priorities = {p.lower(): p for p in policy.priority_choices}
    found: dict[str, object] = {}

    def take(word: str) -> bool:
        """Whether the word says the priority, category or reported time."""
        if word.lower() in priorities and "priority" not in found:
            found["priority"] = priorities[word.lower()]
            return True
        match = _CATEGORY.fullmatch(word)
        if match and "category" not in found:
            found["category"] = match_category_word(policy, match.group(1))
            return True
        if word.startswith("@") and len(word) > 1 and "reported_at" not in found:
            found["reported_at"] = parse_time(word[1:], now, "the reported time", zone)
            return True
        return False

    start = 0
    while start < len(words) and take(words[start]):
        start += 1
    end = len(words)
    while end > start + 1 and take(words[end - 1]):
        end -= 1
    if not found:
        return DeclareLine(text.strip())
    title = " ".join(words[start:end])
    if not title:
        raise UsageError("a title is needed after the priority, category and time")
    priority, category, reported = (
        found.get("priority"),
        found.get("category"),
        found.get("reported_at"),
    )
    assert priority is None or isinstance(priority, str)
    assert category is None or isinstance(category, str)
    assert reported is None or isinstance(reported, datetime)
    return DeclareLine(title, priority, category, reported)
