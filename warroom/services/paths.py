"""Where warroom keeps things: platformdirs locations and --db / WARROOM_DB."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
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

# Passwords of the URLs in use this process: an error of libpq may quote one
# however it was written (its own words, "invalid percent-encoded token"), so
# every message to a person is passed through mask_secrets before it is shown.
_SECRETS: set[str] = set()
_URL_PASSWORD = re.compile(r"(?i)(postgres(?:ql)?://[^/@\s:?#]*:)[^\s]*@")
_KEYWORD_PASSWORD = re.compile(r"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^&\s]*)")
# A libpq keyword/value connection string ("host=db dbname=warroom"):
# warroom takes a postgresql:// URL, and would otherwise make a file so named.
_LIBPQ_KEYWORDS = (
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "sslmode",
    "service", "connect_timeout", "application_name", "options", "target_session_attrs",
)  # fmt: skip
_LIBPQ_STRING = re.compile(
    r"(?i)^\s*(?:" + "|".join(_LIBPQ_KEYWORDS) + r")\s*=.*(?:\s|$)", re.DOTALL
)


class DbUrl:
    """A PostgreSQL database named by a libpq URL. Printed, it never shows a
    password (one belongs in ~/.pgpass or PGPASSFILE, not in the URL)."""

    def __init__(self, url: str):
        self.conninfo = url
        _remember_password(url)

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


def _remember_password(url: str) -> None:
    """Note the URL's password (as written, and decoded) for mask_secrets."""
    from urllib.parse import unquote

    found = [m.group(2) for m in _KEYWORD_PASSWORD.finditer(url)]
    netloc = url.split("://", 1)[-1].split("/", 1)[0]
    userinfo = netloc.rpartition("@")[0]
    if ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    for raw in found:
        raw = raw.strip("'")
        for secret in (raw, unquote(raw, errors="replace")):
            if secret:
                _SECRETS.add(secret)


def mask_secrets(text: str) -> str:
    """The one pass every error on its way to a person goes through: URL
    passwords, password=... keywords and any password of a URL in use
    (however a library quotes it) become ***."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _KEYWORD_PASSWORD.sub(r"\1***", text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
        else:  # a short one only where it stands quoted alone, not inside words
            for quote in ('"', "'"):
                text = text.replace(f"{quote}{secret}{quote}", f"{quote}***{quote}")
    return text


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
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", masked)


def is_url(text: str) -> bool:
    return text.lower().startswith(URL_SCHEMES)


def resolve_db(arg: str | None, environ: Mapping[str, str] | None = None) -> Path | DbUrl:
    """--db beats WARROOM_DB beats the per-user default: a path, or a
    postgresql:// URL."""
    from warroom.core.errors import UsageError

    env = os.environ if environ is None else environ
    if arg and is_url(arg) and mask_url(arg) != arg:
        # Every user on the host can read another's command line (ps).
        _remember_password(arg)
        raise UsageError(
            f"{mask_url(arg)}: a password on the command line is visible to every user "
            "on this host; keep it in ~/.pgpass or PGPASSFILE"
        )
    chosen = arg or env.get("WARROOM_DB") or None
    where = "--db" if arg else "WARROOM_DB"
    if chosen and _LIBPQ_STRING.match(chosen):
        _remember_password(chosen)
        raise UsageError(
            f"{mask_secrets(chosen)!r} is a libpq keyword string, not a database: give a "
            "postgresql://user@host/dbname URL (or a file path)"
        )
    if chosen and is_url(chosen):
        try:
            chosen.encode("utf-8")
        except UnicodeEncodeError:  # bytes from the environment that are not UTF-8
            raise UsageError(f"{where} is a URL that is not UTF-8 text") from None
        return DbUrl(chosen)
    return Path(chosen).expanduser() if chosen else default_db()


def resolve_policy(arg: str | None) -> Path | None:
    """--policy PATH, else policy.toml in the config dir when it exists."""
    if arg:
        return Path(arg).expanduser()
    candidate = config_dir() / "policy.toml"
    return candidate if candidate.exists() else None


def check_identity(name: str, what: str) -> str:
    """The name to act as, refused (UsageError) as every verb refuses it: empty,
    too long, controls, or bytes from the environment that are not UTF-8."""
    from warroom.core.errors import UsageError
    from warroom.core.text import clean_name

    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{what} is not UTF-8 text") from None
    return clean_name(name, what)


def resolve_identity(arg: str | None, environ: Mapping[str, str] | None = None) -> str:
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
