"""`warroom statuspage serve`: a preview of a built status page over HTTP,
with the standard library's server, on loopback unless told otherwise. For
the real thing, serve the folder with nginx (see the README)."""

from __future__ import annotations

import functools
import ipaddress
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warroom.core.errors import UsageError
from warroom.core.text import say
from warroom.formats.statuspage import MARKER


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:8080")
    return host, int(port)


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".atom": "application/atom+xml",
        ".json": "application/json",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def send_head(self):
        """A file or folder whose name starts with a dot (the build's marker
        and manifest) is not served, as the README's nginx block has it."""
        from urllib.parse import unquote, urlsplit

        if any(part.startswith(".") for part in unquote(urlsplit(self.path).path).split("/")):
            self.send_error(404)
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        pass


def serve(folder: Path, listen: str) -> int:
    if not (folder / MARKER).is_file():
        raise UsageError(
            f"{folder} holds no built status page: run `warroom statuspage build` first"
        )
    host, port = parse_listen(listen)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    handler = functools.partial(_Handler, directory=str(folder))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on {listen}: {exc.strerror or exc}") from None
    where = "" if loopback else " (not loopback: anyone who reaches this host sees it)"
    bound_host, bound_port = server.socket.getsockname()[:2]
    say(f"serving {folder} at http://{bound_host}:{bound_port}/{where}; ctrl+c stops")
    import sys

    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
