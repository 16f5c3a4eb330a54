"""Per-user settings: config.toml (written by people) and state.json (by warroom).

config.toml in the platformdirs config dir, for example:

    notifications = true          # toast + bell when a clock turns due soon / overdue
    bell = true                   # the terminal bell with those toasts
    utc = false                   # show times in UTC instead of local time
    publish_command = ["/usr/local/bin/post-update", "--channel", "#incident"]
    publish_timeout = 10          # seconds
    [keymap]                      # binding id = keys (see `?` in the app)
    "warroom.priority" = "P"
    [people.alice]                # who is who outside warroom (follow-up exports)
    email = "alice@example.com"
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any

from warroom.core.errors import UsageError
from warroom.core.record import field, record
from warroom.services.paths import config_dir


@record
class Config:
    notifications: bool = True
    bell: bool = True
    utc: bool = False
    publish_command: tuple[str, ...] = ()
    publish_timeout: float = 10.0
    keymap: dict[str, str] = field(default_factory=dict)
    # One line for each [keymap] entry left out (not a key): its binding keeps its default.
    keymap_problems: tuple[str, ...] = ()
    source: str = "defaults"
    # Set (never from config.toml) when no hook may run at all, e.g. in `warroom demo`:
    # the reason, written on the timeline instead of running the team's command.
    hooks_off: str = ""
    # name -> email, from [people.NAME] tables: the assignee of an exported follow-up.
    people: dict[str, str] = field(default_factory=dict)


MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
NAMED_KEYS = {
    "escape", "enter", "return", "tab", "space", "backspace", "delete", "insert",
    "home", "end", "pageup", "pagedown", "up", "down", "left", "right",
    *(f"f{n}" for n in range(1, 25)),
}  # fmt: skip
# How Textual names a punctuation key: its Unicode name ('?' is question_mark),
# lower case with "_", except these.
KEY_RENAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
CHARACTER_NAMES = {
    KEY_RENAMES.get(name, name)
    for name in (
        unicodedata.name(chr(code)).lower().replace("-", "_").replace(" ", "_")
        for code in range(0x21, 0x7F)
        if not chr(code).isalnum()
    )
}


def key_problem(keys: str) -> str:
    """Why `keys` (as a [keymap] value: 'P', 'ctrl+o,f9') names no key, or ''."""
    for key in keys.split(","):
        key = key.strip()
        if not key:
            return "an empty key in the list"
        *modifiers, base = key.split("+") if len(key) > 1 else [key]
        unknown = [m for m in modifiers if m.lower() not in MODIFIERS]
        if unknown:
            return f"{unknown[0]!r} in {key!r} is not a modifier (ctrl, shift, alt, meta, super)"
        if len(base) == 1:
            if not base.isprintable() or base.isspace():
                return f"{key!r} is not a key (write space for the space bar)"
        elif base not in NAMED_KEYS and base not in CHARACTER_NAMES:
            return f"{base!r} is not a key (a character, or a name like f5, escape, pageup)"
    return ""


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    import tomllib  # here: without a config file (the usual case) no start loads it

    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"config file {path}: nested too deeply") from None
    known = {
        "notifications",
        "bell",
        "utc",
        "publish_command",
        "publish_timeout",
        "keymap",
        "people",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"config file {path}: unknown key {unknown[0]!r}")
    for key in ("notifications", "bell", "utc"):
        if key in data and not isinstance(data[key], bool):
            raise UsageError(f"config file {path}: {key} must be true or false")
    command = data.get("publish_command", [])
    if isinstance(command, str):
        try:
            import shlex  # only for a command written as one string

            command = shlex.split(command)  # split like a shell, but never run through one
        except ValueError as exc:
            raise UsageError(f"config file {path}: publish_command: {exc}") from None
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise UsageError(f"config file {path}: publish_command must be a list of strings")
    if command and not command[0].strip():
        raise UsageError(f"config file {path}: publish_command has no program name")
    if any("\x00" in a for a in command):
        raise UsageError(f"config file {path}: publish_command holds a NUL character")
    timeout = data.get("publish_timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 300:
        raise UsageError(f"config file {path}: publish_timeout must be 1 to 300 seconds")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in keymap.items()
    ):
        raise UsageError(f"config file {path}: [keymap] maps binding ids to key names")
    problems = {k: key_problem(v) for k, v in keymap.items()}
    bad = [
        f"config file {path}: [keymap] {k!r} = {keymap[k]!r}: {why}; the default key is kept"
        for k, why in problems.items()
        if why
    ]
    people = _people(data.get("people", {}), path)
    return Config(
        notifications=data.get("notifications", True),
        bell=data.get("bell", True),
        utc=data.get("utc", False),
        publish_command=tuple(command),
        publish_timeout=float(timeout),
        keymap={k: v for k, v in keymap.items() if not problems[k]},
        keymap_problems=tuple(bad),
        source=str(path),
        people=people,
    )


def _people(raw: object, path: Path) -> dict[str, str]:
    """[people.NAME] tables: each with an email (one line naming the problem)."""
    if not isinstance(raw, dict):
        raise UsageError(f"config file {path}: people must be tables: [people.NAME]")
    people = {}
    for name, table in raw.items():
        if not isinstance(table, dict) or set(table) - {"email"}:
            raise UsageError(f'config file {path}: [people.{name}] takes only email = "..."')
        email = table.get("email", "")
        if not isinstance(email, str) or (email and ("@" not in email or len(email) > 254)):
            raise UsageError(f"config file {path}: [people.{name}] email is not an address")
        if any(ord(ch) < 0x21 or ord(ch) == 0x7F or ch in ',;<>"' for ch in email):
            raise UsageError(f"config file {path}: [people.{name}] email has unsafe characters")
        if email:
            people[name] = email
    return people


def state_path() -> Path:
    return config_dir() / "state.json"


def load_state() -> dict[str, Any]:
    """What warroom remembers for this user (the theme); unreadable means empty."""
    try:
        data = json.loads(state_path().read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(**changes: Any) -> None:
    state = {**load_state(), **changes}
    path = state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # remembering the theme is a nicety, never worth an error
