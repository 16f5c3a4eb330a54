"""The receiver's token: read only from a file that only its owner and group
can read (everyone on a shared host reaches loopback, and a command line is
visible to all of them), compared in constant time."""

from __future__ import annotations

import hmac
import ipaddress
import os
import stat
from pathlib import Path

from warroom.core.errors import UsageError

MAX_TOKEN_FILE = 4096
MIN_TOKEN = 16  # characters: a token anyone could guess protects nothing


def read_token(path: Path) -> bytes:
    """The token in `path` (surrounding whitespace dropped); UsageError with
    one line for a file others may read, an empty, short or odd file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"token file {path}: not found") from None
    except OSError as exc:
        raise UsageError(f"token file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"token file {path}: not a regular file")
        if info.st_mode & 0o007:
            raise UsageError(
                f"token file {path}: others may read or write it (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); chmod o-rwx {path}"
            )
        raw = os.read(fd, MAX_TOKEN_FILE + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_TOKEN_FILE:
        raise UsageError(f"token file {path}: larger than {MAX_TOKEN_FILE} bytes, not a token")
    token = raw.strip()
    if len(token) < MIN_TOKEN:
        raise UsageError(f"token file {path}: the token is shorter than {MIN_TOKEN} characters")
    if any(b < 0x21 or b > 0x7E for b in token):
        raise UsageError(f"token file {path}: the token must be printable ASCII on one line")
    return token


def token_ok(header: str | None, token: bytes) -> bool:
    """Whether an Authorization header carries the token (constant time)."""
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    try:
        given_bytes = given.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given_bytes, token)


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:9747', '[::1]:9747' or 'localhost:9747' -> (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:9747")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
