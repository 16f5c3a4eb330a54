"""Where warroom keeps things: platformdirs locations and --db / WARROOM_DB."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "warroom"

# Every file and folder warroom makes for a database is the team's: the owner
# and the group, never others, whatever the umask. Folders are setgid, so what
# is made inside keeps the team's group (see "Setting up a team host").
FILE_MODE = 0o660  # rw-rw----
DIR_MODE = 0o2770  # rwxrws---


def make_folders(folder: Path) -> None:
    """Make folder and every missing folder above it, each rwxrws---.

    mkdir's mode passes through the umask and drops setgid (and Path.mkdir
    gives the folders above the umask's default), so each new folder gets its
    mode outright, through a descriptor of the folder this process made. A
    folder made meanwhile by another process is left to that process. Raises
    OSError."""
    missing: list[Path] = []
    while not os.path.lexists(folder):
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for new in reversed(missing):
        try:
            os.mkdir(new, DIR_MODE)
        except FileExistsError:
            continue
        fd = os.open(new, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.fchmod(fd, DIR_MODE)
        finally:
            os.close(fd)


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


def state_dir() -> Path:
    """Where warroom keeps what it must not lose but is no setting: changes
    a stopped war room could not write ($XDG_STATE_HOME/warroom)."""
    found = _xdg("XDG_STATE_HOME", "~/.local/state")
    if found is None:
        import platformdirs

        found = Path(platformdirs.user_state_dir(APP))
    return found


URL_SCHEMES = ("postgresql://", "postgres://")


class DbUrl:
    """A PostgreSQL database named by a libpq URL. Printed, it never shows a
    password (one belongs in ~/.pgpass or PGPASSFILE, not in the URL)."""

    def __init__(self, url: str):
        self.conninfo = url

    @property
    def masked(self) -> str:
        return mask_url(self.conninfo)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"DbUrl({self.masked!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DbUrl) and other.conninfo == self.conninfo

    def __hash__(self) -> int:
        return hash(self.conninfo)

    def exists(self) -> bool:
        return True  # a server's database: whether it answers is the store's to say


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            masked = url
        else:
            user = parts.username or ""
            host = parts.netloc.rpartition("@")[2]
            masked = urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        masked = url.split("://", 1)[0] + "://***"
    # password=... in the query string, too
    import re

    return re.sub(r"(?i)(password=)[^&]*", r"\1***", masked)


def is_url(text: str) -> bool:
    return text.lower().startswith(URL_SCHEMES)


def resolve_db(arg: str | None, environ: dict | None = None) -> Path | DbUrl:
    """--db beats WARROOM_DB beats the per-user default: a path, or a
    postgresql:// URL."""
    env = os.environ if environ is None else environ
    if arg and is_url(arg) and mask_url(arg) != arg:
        # Every user on the host can read another's command line (ps).
        from .errors import UsageError

        raise UsageError(
            f"{mask_url(arg)}: a password on the command line is visible to every user "
            "on this host; keep it in ~/.pgpass or PGPASSFILE"
        )
    chosen = arg or env.get("WARROOM_DB") or None
    if chosen and is_url(chosen):
        return DbUrl(chosen)
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
