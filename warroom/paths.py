"""Where warroom keeps things: platformdirs locations and --db / WARROOM_DB."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "warroom"


def _xdg(variable: str, default: str) -> Path | None:
    """On Linux, the XDG base directory rule (as platformdirs applies it),
    without importing platformdirs: every CLI verb looks up the config dir."""
    if not sys.platform.startswith("linux"):
        return None
    chosen = os.environ.get(variable, "").strip()
    return Path(chosen or os.path.expanduser(default)) / APP


def default_db() -> Path:
    found = _xdg("XDG_DATA_HOME", "~/.local/share")
    if found is None:
        import platformdirs

        found = Path(platformdirs.user_data_dir(APP))
    return found / "warroom.db"


def config_dir() -> Path:
    found = _xdg("XDG_CONFIG_HOME", "~/.config")
    if found is None:
        import platformdirs

        found = Path(platformdirs.user_config_dir(APP))
    return found


def resolve_db(arg: str | None, environ: dict | None = None) -> Path:
    """--db beats WARROOM_DB beats the per-user default."""
    env = os.environ if environ is None else environ
    chosen = arg or env.get("WARROOM_DB") or None
    return Path(chosen).expanduser() if chosen else default_db()


def resolve_policy(arg: str | None) -> Path | None:
    """--policy PATH, else policy.toml in the config dir when it exists."""
    if arg:
        return Path(arg).expanduser()
    candidate = config_dir() / "policy.toml"
    return candidate if candidate.exists() else None


def resolve_identity(arg: str | None, environ: dict | None = None) -> str:
    env = os.environ if environ is None else environ
    if arg:
        return arg
    if env.get("WARROOM_USER"):
        return env["WARROOM_USER"]
    for key in ("LOGNAME", "USER", "USERNAME"):
        if env.get(key):
            return env[key]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return "unknown"
