"""Figure 13: alerts in. Sustained alerts per second through `warroom intake
serve`, side by side with a bare aiohttp handler writing the same row (plain
sqlite3, WAL, synchronous=FULL, one transaction per request, idempotent on the
same key), both as subprocesses on this machine's cores; and p95 from the POST
to the proposal shown in an open TUI (SQLite: the TUI polls the file).

`python -m bench.intake` runs it alone; `make bench` runs it as the intake group.
`python -m bench.intake bare DB PORT` is the bare handler (a child process)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOKEN = b"bench-intake-token-0123456789abcdef"
CONCURRENCY = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _body(n: int, group: str) -> bytes:
    return json.dumps(
        {
            "version": "4",
            "groupKey": group,
            "status": "firing",
            "receiver": "warroom",
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "",
            "truncatedAlerts": 0,
            "alerts": [
                {
                    "status": "firing",
                    "labels": {
                        "alertname": "Bench",
                        "severity": "warning",
                        "instance": f"host-{n}",
                    },
                    "annotations": {"summary": f"bench alert {n}"},
                    "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "",
                    "fingerprint": f"fp-{n}",
                }
            ],
        }
    ).encode()


# ------------------------------------------------------------ the bare handler
def bare(db: str, port: int) -> None:
    """The same framework, the same parse, one row per alert: the baseline."""
    from aiohttp import web

    local = threading.local()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS alerts (source TEXT, fingerprint TEXT, starts_at TEXT,"
        " status TEXT, labels TEXT, summary TEXT, UNIQUE (source, fingerprint, starts_at))"
    )
    conn.commit()
    conn.close()

    def write(alerts: list) -> int:
        c = getattr(local, "conn", None)
        if c is None:
            c = local.conn = sqlite3.connect(db, isolation_level=None, timeout=5)
            c.execute("PRAGMA synchronous = FULL")
        c.execute("BEGIN IMMEDIATE")
        stored = 0
        for a in alerts:
            stored += c.execute(
                "INSERT INTO alerts VALUES ('alertmanager', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    a["fingerprint"],
                    a["startsAt"],
                    a["status"],
                    json.dumps(a["labels"]),
                    a["annotations"].get("summary", ""),
                ),
            ).rowcount
        c.execute("COMMIT")
        return stored

    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(2)

    async def handle(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN.decode()}":
            return web.json_response({"error": "token"}, status=401)
        doc = json.loads(await request.read())
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(pool, write, doc["alerts"])
        return web.json_response({"stored": stored}, status=202 if stored else 200)

    app = web.Application(client_max_size=512 * 1024)
    app.router.add_post("/v1/alertmanager", handle)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# ------------------------------------------------------------------ measuring
def _wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()[-500:]}") from None
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.05)


async def _blast(port: int, count: int, start: int) -> float:
    """Alerts per second: `count` requests of one new alert each, CONCURRENCY at once."""
    import aiohttp

    headers = {"Authorization": f"Bearer {TOKEN.decode()}", "Content-Type": "application/json"}
    url = f"http://127.0.0.1:{port}/v1/alertmanager"
    queue = list(range(start, start + count))
    failed = 0

    async def worker(session) -> None:
        nonlocal failed
        while queue:
            n = queue.pop()
            async with session.post(url, data=_body(n, f"g{n % 20}"), headers=headers) as r:
                await r.read()
                failed += r.status != 202

    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
    if failed:
        raise RuntimeError(f"{failed} of {count} alerts were not stored")
    return count / elapsed


def _server(kind: str, db: Path, port: int, env: dict, url: str | None = None) -> subprocess.Popen:
    if kind == "warroom":
        token = db.parent / "token"
        token.write_bytes(TOKEN)
        token.chmod(0o600)
        cmd = [
            sys.executable,
            "-m",
            "warroom",
            "intake",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "--token-file",
            str(token),
        ]
        env = {**env, "WARROOM_DB": url or str(db)}
    else:
        cmd = [sys.executable, "-m", "bench.intake", "bare", str(db), str(port)]
    # Its log (a line per request) goes to a file: a pipe nobody reads would fill and stop it.
    with open(db.parent / f"{kind}.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    _wait_port(port, proc, db.parent / f"{kind}.log")
    return proc


def measure_rate(tmp: Path, env: dict, alerts: int, reps: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {"warroom": [], "bare": []}
    for rep in range(reps):
        for kind in ("warroom", "bare") if rep % 2 == 0 else ("bare", "warroom"):
            db = tmp / f"{kind}-{rep}" / "intake.db"
            db.parent.mkdir()
            port = _free_port()
            proc = _server(kind, db, port, env)
            try:
                asyncio.run(_blast(port, 20, 10_000_000))  # warm up: first connections, pages
                rates[kind].append(asyncio.run(_blast(port, alerts, 0)))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    return rates


def measure_shown(tmp: Path, env: dict, trials: int, url: str | None = None) -> list[float]:
    """Seconds from the POST to the proposal on screen in an open TUI (on the
    SQLite file under tmp, or on the PostgreSQL database at url)."""
    from datetime import UTC, datetime

    from textual.widgets import DataTable

    from warroom.core.policy import default_policy
    from warroom.store import Store
    from warroom.tui.app import make_app

    folder = tmp / ("shown-pg" if url else "shown")
    folder.mkdir()
    db = folder / "intake.db"
    store = Store.open(url or db, default_policy(), "bench")
    port = _free_port()
    proc = _server("warroom", db, port, {**env, "WARROOM_DB": url} if url else env, url)
    samples: list[float] = []

    async def run() -> None:
        import aiohttp

        app = make_app(store, default_policy(), clock=lambda: datetime.now(UTC))
        headers = {"Authorization": f"Bearer {TOKEN.decode()}", "Content-Type": "application/json"}
        url = f"http://127.0.0.1:{port}/v1/alertmanager"
        async with app.run_test(size=(140, 40)) as pilot, aiohttp.ClientSession() as session:
            await pilot.pause()
            for n in range(trials):
                table = app.screen.query_one("#proposals", DataTable)
                before = table.row_count
                began = time.perf_counter()
                async with session.post(url, data=_body(n, f"shown-{n}"), headers=headers) as r:
                    assert r.status == 202, r.status
                deadline = began + 30
                while table.row_count == before:
                    if time.perf_counter() > deadline:
                        raise RuntimeError("the proposal was not shown within 30 s")
                    await asyncio.sleep(0.002)
                samples.append(time.perf_counter() - began)
                await asyncio.sleep(0.2)  # apart: each trial starts from a quiet screen

    try:
        asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        store.close()
    return samples


def intake_rows(ctx) -> list[dict]:
    from bench.stats import judge, pct_summary, percentile, summary

    smoke = ctx.params.smoke
    alerts, reps, trials = (40, 1, 3) if smoke else (2000, 3, 40)
    ctx.log(f"intake: {reps} x {alerts} alerts through warroom and a bare handler")
    rates = measure_rate(ctx.tmp, ctx.env, alerts, reps)
    pairs = [w / b for w, b in zip(rates["warroom"], rates["bare"], strict=True) if b]
    paired = summary(pairs)
    r = paired["median"] if paired else None
    ctx.log(f"intake: {trials} alerts posted to a receiver, shown in an open TUI")
    shown = measure_shown(ctx.tmp, ctx.env, trials)
    p95 = percentile(shown, 95)
    ctx.log(f"intake: {trials} alerts posted to a receiver on PostgreSQL, shown in an open TUI")
    from bench.figures import pg_server

    server = pg_server(ctx)
    try:
        pg_shown = measure_shown(ctx.tmp, ctx.env, trials, server.new_database("intake"))
    finally:
        server.close()
    pg_p95 = percentile(pg_shown, 95)
    return [
        {
            "key": "intake_rate",
            "figure": f"13 alerts in, {CONCURRENCY} senders, {os.cpu_count()} cores",
            "unit": "rows/s",
            "warroom": summary(rates["warroom"]),
            "baseline": summary(rates["bare"]),
            "baseline_is": "bare aiohttp handler: same JSON, one sqlite3 row per alert (WAL, FULL)",
            "ratio": r,
            "target": "ratio >= 0.5",
            "status": judge(r, ">=", 0.5),
            "detail": {"alerts": alerts, "paired_ratios": pairs},
        },
        {
            "key": "intake_shown_p95",
            "figure": "13 POST -> proposal shown in an open TUI (SQLite)",
            "unit": "s",
            "warroom": pct_summary(shown, 95),
            "baseline": None,
            "ratio": None,
            "target": "p95 <= 0.5 s",
            "status": judge(p95, "<=", 0.5),
            "detail": {"samples": shown},
        },
        {
            "key": "intake_shown_pg_p95",
            "figure": "13 POST -> proposal shown in an open TUI (PostgreSQL)",
            "unit": "s",
            "warroom": pct_summary(pg_shown, 95),
            "baseline": None,
            "ratio": None,
            "target": "p95 <= 0.1 s",
            "status": judge(pg_p95, "<=", 0.1),
            "detail": {"samples": pg_shown},
        },
    ]


def main(argv: list[str]) -> int:
    if argv[:1] == ["bare"]:
        bare(argv[1], int(argv[2]))
        return 0
    from bench.figures import Ctx, Params, child_env
    from bench.stats import table

    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-intake-"))
    ctx = Ctx(
        params=Params.smoke_params() if "--smoke" in argv else Params(), tmp=tmp, env=child_env(tmp)
    )
    rows = intake_rows(ctx)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
