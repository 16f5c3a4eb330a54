"""Keeps the benchmark harness from rotting: `python -m bench --smoke` must run,
print its table and write every figure with numbers. No timing is asserted:
whether warroom meets its targets is for `make bench` to report, not for tests."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every figure the benchmark issue asks for (row keys, or prefixes of them).
FIGURE_KEYS = (
    "startup",  # 1 start-up to first full paint
    "memory",  # 2 peak RSS
    "key_p50",  # 3 key -> committed and painted
    "key_p95",
    "key_pilot_p50",
    "propagation_p50",  # 4 another process's write -> shown
    "propagation_p95",
    "idle",  # 5 idle CPU
    "throughput",  # 6 shared-file writes
    "export_md",  # 7 export
    "export_json",
    "growth_startup",  # 8 growth per 10x entries
    "growth_read",
    "growth_export_md",
    "growth_export_json",
    "report",  # 9 the report across incidents
    "pg_propagation_p95",  # 4 on PostgreSQL (NOTIFY)
    "pg_key_p95",  # 3 on PostgreSQL
    "pg_throughput",  # 6 on PostgreSQL, against raw psycopg
    "nav",  # 9 timeline keys on a long timeline
    "cli",  # 10 command-line verbs
    "startup_tmux",  # 11 start-up in a real terminal (n/a without tmux)
    "pg_idle",  # 5 on PostgreSQL (the TUI asks every 50 ms)
    "latency_echo",  # 12 the database far away (a delaying proxy): key echo
    "latency_tick",  # tick shown as committed
    "latency_cli_note",  # the command line's note
    "latency_round_trips",  # round trips per action, counted at the proxy
    "latency_sqlite_locked",  # SQLite with its write lock held by another process
    "statuspage_build",  # 13 the status page for 1,000 incidents, against Jinja2 alone
    "intake_rate",  # 13 alerts in, against a bare handler of the same framework
    "intake_shown_p95",  # 13 POST -> proposal shown in an open TUI
)
STATUSES = {"pass", "FAIL", "info", "n/a"}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _stat_ok(stat) -> bool:
    return isinstance(stat, dict) and all(_number(stat.get(k)) for k in ("median", "min", "max"))


def test_bench_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-5000:]}"

    data = json.loads(out.read_text())
    assert data["meta"]["smoke"] is True
    assert data["errors"] == []
    rows = data["figures"]
    keys = [row["key"] for row in rows]
    for figure in FIGURE_KEYS:
        assert any(k == figure or k.startswith(figure + "_") for k in keys), figure

    for row in rows:
        assert row["status"] in STATUSES, row
        assert row["figure"] and row["unit"] and row["target"], row
        if row["status"] == "n/a":
            # Only the export figures (render_export not written yet) and the
            # terminal figure (no tmux on the machine) may be missing.
            assert "export" in row["key"] or row["key"] == "startup_tmux", row
            assert row["detail"]["reason"], row
            continue
        assert _stat_ok(row["warroom"]), row
        if row.get("baseline") is not None:
            assert _stat_ok(row["baseline"]), row
            assert _number(row["ratio"]), row

    # The table: a header and one line per figure, aligned on " | ".
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("figure"))
    for column in ("warroom", "baseline", "ratio", "target", "pass/fail"):
        assert column in lines[header]
    body = lines[header + 2 : header + 2 + len(rows)]
    assert [line.split(" | ")[0].strip() for line in body] == [row["figure"] for row in rows]
    bars = {line.index(" | ") for line in [lines[header], *body]}
    assert len(bars) == 1, "columns are not aligned"


def test_delay_proxy_counts_round_trips_and_names_statements(pg_url):
    """The latency figures' proxy: every byte arrives, in order, no sooner than
    the round trip; a round trip is counted each time the client sent and the
    server answered, and each one names the statements it carried."""
    import time
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    sys.path.insert(0, str(ROOT))  # the bench is run from the checkout, not installed
    from bench.delay_proxy import DelayProxy, summarise

    parts = urlsplit(pg_url)
    proxy = DelayProxy(parts.port, rtt=0.04)
    try:
        url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
        with psycopg.connect(url, autocommit=True) as conn:
            proxy.mark("queries")
            started = time.monotonic()
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.execute("SELECT %s::text", ("x" * 200_000,)).fetchone()[0] == "x" * 200_000
            # A delay only ever grows on a loaded machine: the lower bound holds.
            assert time.monotonic() - started >= 2 * 0.04
            for _ in range(6):  # psycopg prepares a statement after 5 runs
                conn.execute("SELECT %s::int + 1", (1,))
        counts = proxy.counts()
    finally:
        proxy.close()
    assert counts["start"]["round_trips"] >= 2  # TLS offer, start-up (and maybe more)
    queries = counts["queries"]
    lines = summarise(queries["turns"])
    # One a statement; psycopg may spend one more when it prepares one.
    assert 8 <= queries["round_trips"] <= 9, lines
    assert "SELECT 1" in lines[0]
    assert "SELECT $1::text" in lines[1]
    assert all("SELECT $1::int + 1" in line for line in lines[2:]), lines
