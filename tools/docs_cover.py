"""Is everything an older README said still said somewhere? Lists each sentence,
table row and code line of OLD that appears neither in README.md nor in any
docs/*.md (whitespace and line breaks aside), and counts them.

    git show REV:README.md > /tmp/old-readme.md
    .venv/bin/python tools/docs_cover.py /tmp/old-readme.md

Exit 0 when nothing is missing, 1 otherwise (a reworded sentence is listed:
read it and decide)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _norm(text: str) -> str:
    text = text.replace("](../assets/", "](assets/")
    return re.sub(r"\s+", " ", text).strip()


def units(markdown: str) -> list[str]:
    """The old text cut into what must survive: prose sentences, table rows,
    code lines (headings and blank lines aside)."""
    found: list[str] = []
    in_code = False
    paragraph: list[str] = []

    def flush() -> None:
        text = _norm(" ".join(paragraph))
        paragraph.clear()
        if text:
            found.extend(s for s in re.split(r"(?<=[.!?:])\s+(?=[A-Z`(*])", text) if s)

    for line in markdown.splitlines():
        if line.startswith("```"):
            flush()
            in_code = not in_code
        elif in_code or line.startswith("|"):
            flush()
            if line.strip() and not re.fullmatch(r"[|\-\s]+", line):
                found.append(_norm(line))
        elif not line.strip() or line.startswith("#"):
            flush()
        elif line.startswith("- "):
            flush()
            paragraph.append(line[2:])
        else:
            paragraph.append(line)
    flush()
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: docs_cover.py OLD_README.md", file=sys.stderr)
        return 2
    old = units(Path(argv[0]).read_text(encoding="utf-8"))
    now = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    corpus = _norm(" ".join(p.read_text(encoding="utf-8") for p in now))
    corpus_lines = {_norm(line) for p in now for line in p.read_text().splitlines()}
    missing = [u for u in old if u not in corpus and u not in corpus_lines]
    for unit in missing:
        print(f"missing: {unit}")
    print(f"{len(old) - len(missing)} of {len(old)} kept; {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
