"""Three-way merge of two edits of the same text, for the draft update.

Two communicators start from the same saved version (the base) and each
changes it. Changes to different lines are both kept; where both changed the
same lines, the merge goes down to words; where both changed the same words
differently there is no merge (None) and the caller keeps the other version
aside. difflib finds what each side changed against the base."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# One change to the base: replace base[start:end] with `new`; side 0 or 1.
Change = tuple[int, int, list[str], int]


def _changes(base: Sequence[str], edited: Sequence[str], side: int) -> list[Change]:
    from difflib import SequenceMatcher  # only a merge needs it, not every verb's start

    matcher = SequenceMatcher(None, base, edited, autojunk=False)
    return [
        (i1, i2, list(edited[j1:j2]), side)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _overlap(a: Change, b: Change) -> bool:
    if a[0] == a[1] == b[0] == b[1]:
        return True  # both insert at the same place: which goes first is a guess
    return a[0] < b[1] and b[0] < a[1]


def _apply(base: Sequence[str], lo: int, hi: int, changes: list[Change]) -> list[str]:
    out: list[str] = []
    pos = lo
    for start, end, new, _ in changes:
        out.extend(base[pos:start])
        out.extend(new)
        pos = end
    out.extend(base[pos:hi])
    return out


def _merge(
    base: Sequence[str],
    ours: Sequence[str],
    theirs: Sequence[str],
    resolve: Callable[[list[str], list[str], list[str]], list[str] | None] | None = None,
) -> list[str] | None:
    changes = sorted(
        _changes(base, ours, 0) + _changes(base, theirs, 1), key=lambda c: (c[0], c[1], c[3])
    )
    groups: list[list[Change]] = []
    for change in changes:
        if groups and any(_overlap(change, other) for other in groups[-1]):
            groups[-1].append(change)
        else:
            groups.append([change])
    out: list[str] = []
    pos = 0
    for group in groups:
        lo = min(c[0] for c in group)
        hi = max(c[1] for c in group)
        out.extend(base[pos:lo])
        pos = hi
        sides = {c[3] for c in group}
        if len(sides) == 1:
            out.extend(_apply(base, lo, hi, group))
            continue
        mine = _apply(base, lo, hi, [c for c in group if c[3] == 0])
        other = _apply(base, lo, hi, [c for c in group if c[3] == 1])
        if mine == other:
            out.extend(mine)
            continue
        resolved = resolve(list(base[lo:hi]), mine, other) if resolve else None
        if resolved is None:
            return None
        out.extend(resolved)
    out.extend(base[pos:])
    return out


_WORDS = re.compile(r"(\s+)")


def _words(text: str) -> list[str]:
    return [token for token in _WORDS.split(text) if token]


def _merge_words(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    merged = _merge(_words("".join(base)), _words("".join(ours)), _words("".join(theirs)))
    if merged is None:
        return None
    return "".join(merged).splitlines(keepends=True)


def merge3(base: str, ours: str, theirs: str) -> str | None:
    """Both sides' changes to base in one text, or None when they clash."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    merged = _merge(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
        _merge_words,
    )
    return None if merged is None else "".join(merged)
