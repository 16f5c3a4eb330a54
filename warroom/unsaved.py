"""Changes the TUI could not write before it had to stop (a hang-up: the tmux
session killed, ssh dropped; or SIGTERM) with the database busy or the disk
full. They are kept, one JSON object a line, in a file beside the database
(`<db>.unsaved`), and the next start says where they are, so nothing typed is
thrown away silently."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from .paths import config_dir


def unsaved_path(db_path) -> Path:
    if isinstance(db_path, Path):
        return db_path.with_name(db_path.name + ".unsaved")
    return config_dir() / "unsaved.jsonl"  # a server database: kept in the user's config dir


def keep(db_path, changes: list[dict], now: datetime) -> Path:
    """Append the changes (each: what, texts, typed_at) to the file; returns it."""
    path = unsaved_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps({**c, "kept_at": now.isoformat()}) + "\n" for c in changes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def kept(db_path) -> list[dict]:
    """What an earlier session kept and nobody has dealt with yet."""
    path = unsaved_path(db_path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out
