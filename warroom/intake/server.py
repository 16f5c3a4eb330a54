"""The receiver: aiohttp on loopback (unless told otherwise), a bearer token
from a file, JSON only, every limit of limits.py, one transaction per request
on a writer thread (never on the event loop), and an honest answer:

202 stored, 200 nothing new (a re-send), 400 malformed (one line why), 401,
404, 405, 408 (the body did not arrive in time), 413, 415, and 503 when the
database cannot be written (the sender keeps it and retries).

One log line per request: who, what, the answer, how long. Never the token,
never a header, and what a sender wrote only through text.one_line."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from aiohttp import web

from warroom.core.model import Ingested, utcnow
from warroom.core.text import one_line, say
from warroom.intake.auth import token_ok
from warroom.intake.limits import MAX_BODY, MAX_CONCURRENT, READ_TIMEOUT, Malformed, check_depth
from warroom.intake.mappers import map_alertmanager, map_grafana, map_pagerduty

ENDPOINTS: dict[str, Callable[[Any, datetime], list]] = {
    "/v1/alertmanager": map_alertmanager,
    "/v1/grafana": map_grafana,
    "/v2/enqueue": map_pagerduty,
}


def _answer(code: int, /, **body: Any) -> web.Response:
    return web.json_response(body, status=code)


def _error(status: int, why: str) -> web.Response:
    return _answer(status, status="error", error=why)


def stderr_log(line: str) -> None:
    say(line, err=True)  # through visible(): a sender's bytes never reach a terminal raw
    sys.stderr.flush()


class Receiver:
    """The server's state: the token, the store (one connection per writer
    thread, from Store.another()), the writer pool, the log."""

    def __init__(
        self,
        store,
        token: bytes,
        *,
        log: Callable[[str], None] = stderr_log,
        workers: int = 2,
        clock: Callable[[], datetime] = utcnow,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.store = store
        self.read_timeout = read_timeout
        self.token = token
        self.log = log
        self.clock = clock
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="warroom-intake")
        self._local = threading.local()
        self._stores: list = []
        self._lock = threading.Lock()
        self._busy: asyncio.Semaphore | None = None

    # ------------------------------------------------------------ the writer
    def _thread_store(self):
        store = getattr(self._local, "store", None)
        if store is None:
            store = self.store.another()
            self._local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    def _write(self, alerts: list) -> Ingested:
        store = self._thread_store()
        return store.ingest_alerts(alerts, store.policy.refire_window)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        with self._lock:
            stores, self._stores = self._stores, []
        for store in stores:
            try:
                store.close()
            except Exception:  # noqa: BLE001 - a connection of a finished thread
                pass

    # ------------------------------------------------------------- the app
    def app(self) -> web.Application:
        app = web.Application(
            client_max_size=MAX_BODY, middlewares=[self._logged, self._bounded, self._guarded]
        )
        app.router.add_get("/healthz", self._health)
        for path, mapper in ENDPOINTS.items():
            app.router.add_post(path, self._handler(mapper))

        async def cleanup(_app: web.Application) -> None:
            await asyncio.get_running_loop().run_in_executor(None, self.close)

        app.on_cleanup.append(cleanup)
        return app

    @web.middleware
    async def _logged(self, request: web.Request, handler) -> web.StreamResponse:
        started = time.monotonic()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            ms = (time.monotonic() - started) * 1000
            peer = request.remote or "-"
            path = one_line(request.path)[:120]
            self.log(f"intake: {peer} {request.method} {path} {status} {ms:.0f}ms")

    @web.middleware
    async def _bounded(self, request: web.Request, handler) -> web.StreamResponse:
        if self._busy is None:
            self._busy = asyncio.Semaphore(MAX_CONCURRENT)
        async with self._busy:  # more than MAX_CONCURRENT wait their turn
            return await handler(request)

    @web.middleware
    async def _guarded(self, request: web.Request, handler) -> web.StreamResponse:
        """JSON answers only, and a token for everything but /healthz."""
        try:
            if request.path != "/healthz" and not token_ok(
                request.headers.get("Authorization"), self.token
            ):
                return _error(401, "a bearer token is required (Authorization: Bearer ...)")
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return _error(exc.status, exc.reason)

    async def _health(self, request: web.Request) -> web.Response:
        return _answer(200, status="ok")

    def _handler(self, mapper):
        async def handle(request: web.Request) -> web.Response:
            return await self._receive(request, mapper)

        return handle

    async def _receive(self, request: web.Request, mapper) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "send JSON (Content-Type: application/json)")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, f"the body is larger than {MAX_BODY // 1024} KiB")
        try:
            body = await asyncio.wait_for(request.read(), self.read_timeout)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"the body is larger than {MAX_BODY // 1024} KiB")
        except TimeoutError:
            return _error(408, f"the body did not arrive within {self.read_timeout:g}s")
        try:
            try:
                doc = json.loads(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise Malformed("the body is not UTF-8") from None
            except RecursionError:
                raise Malformed("the JSON is nested too deeply") from None
            except ValueError as exc:
                raise Malformed(f"the body is not JSON ({one_line(str(exc))[:80]})") from None
            check_depth(doc)
            alerts = mapper(doc, self.clock())
        except Malformed as exc:
            return _error(400, one_line(str(exc)))
        if not alerts:
            return _answer(200, status="ok", stored=0, duplicates=0, proposals=[])
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.pool, self._write, alerts)
        except Exception as exc:  # noqa: BLE001 - whatever kept it from the database
            self.log(f"intake: not stored: {one_line(str(exc))[:200]}")
            return _error(503, "the database cannot be written now; nothing was stored, retry")
        return _answer(
            202 if result.stored else 200,
            status="accepted" if result.stored else "duplicate",
            stored=result.stored,
            duplicates=result.duplicates,
            proposals=list(result.proposals),
        )


def serve(store, host: str, port: int, token: bytes, log: Callable[[str], None] = stderr_log):
    """Run until stopped (SIGINT or SIGTERM)."""
    receiver = Receiver(store, token, log=log)
    log(
        f"intake: listening on http://{host}:{port} (POST /v1/alertmanager, /v1/grafana, "
        "/v2/enqueue; GET /healthz)"
    )
    web.run_app(
        receiver.app(), host=host, port=port, access_log=None, print=None, handle_signals=True
    )
