"""`python -m bench` (make bench): warroom's benchmark suite.

Seeds large incidents into temporary SQLite files, measures warroom and a
baseline side by side in the same run, prints one table and writes
bench/results.json. `--smoke` is a tiny, fast run that keeps the harness alive."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import figures
from bench.figures import ROOT, ChildFailed, Ctx, Params
from bench.stats import table

GROUPS = (
    "startup",
    "keys",
    "propagation",
    "idle",
    "throughput",
    "export",
    "navigation",
    "cli",
    "report",
    "postgres",
    "terminal",
    "latency",
    "statuspage",
    "intake",
)

# Every figure `make bench` reports, in table order (the smoke test checks them all).
FIGURE_KEYS = (
    "startup",
    "memory",
    "key_p50",
    "key_p95",
    "key_cpu_p95",
    "key_pilot_p50",
    "propagation_p50",
    "propagation_p95",
    "idle",
    "throughput",
    "export_md",
    "export_json",
    "growth_startup",
    "growth_read",
    "growth_export_md",
    "growth_export_json",
    "nav_g",
    "nav_bottom",
    "nav_pageup",
    "nav_pagedown",
    "cli_note",
    "cli_list",
    "cli_status",
    "cli_tick",
    "pg_propagation_p95",
    "pg_key_p95",
    "pg_throughput",
    "startup_tmux",
    "startup_tmux_title",
    "pg_idle",
    "latency_echo",
    "latency_tick",
    "latency_cli_note",
    "latency_round_trips",
    "latency_sqlite_locked",
    "statuspage_build",
    "intake_rate",
    "intake_shown_p95",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny fast run (tests use it)")
    parser.add_argument(
        "--idle-seconds", type=float, help="idle figure duration (default 30, smoke 2)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--only", help=f"comma list of figure groups: {','.join(GROUPS)}")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, logs)")
    return parser.parse_args(argv)


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("textual", "rich", "warroom"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "?"
    return out


def byte_compile() -> None:
    """Compile warroom (and the harness) to bytecode first, as pip does when it
    installs a wheel. Textual's modules were compiled when it was installed; with
    PYTHONDONTWRITEBYTECODE set (as on CI) an editable warroom would otherwise be
    compiled from source at every start, and start-up would measure the compiler.
    Forced (all of it, ~0.3 s): compileall takes a file as compiled when its
    bytecode has the source's modification time, to the second, while import
    compares its size too: a file edited twice within a second would be
    compiled at every start (~9 ms for the timeline's widgets)."""
    import compileall

    for package in ("warroom", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1, force=True)


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    byte_compile()
    params = Params.smoke_params() if args.smoke else Params()
    if args.idle_seconds is not None:
        params.idle_seconds = args.idle_seconds
    groups = set(GROUPS if not args.only else args.only.split(","))
    unknown = groups - set(GROUPS)
    if unknown:
        print(f"unknown figure groups: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    ctx = Ctx(params=params, tmp=tmp, env=figures.child_env(tmp))
    started = time.monotonic()
    meta = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "smoke": params.smoke,
        "params": {k: v for k, v in vars(params).items()},
        "versions": _versions(),
        "git_head": _git("rev-parse", "--short", "HEAD"),
        "warroom_uncommitted": _git("status", "--porcelain", "--", "warroom").splitlines(),
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
    }
    rows: list[dict] = []

    def attempt(name: str, fn, *fn_args):
        try:
            return fn(*fn_args)
        except (ChildFailed, OSError, ValueError, KeyError, RuntimeError) as exc:
            ctx.errors.append(f"{name}: {exc}")
            ctx.log(f"{name} failed: {exc}")
            if not isinstance(exc, ChildFailed):
                traceback.print_exc()
            return None

    try:
        figures.seed_all(ctx, groups)
        runs = attempt("start-up", figures.measure_startups, ctx) if "startup" in groups else None
        if runs:
            rows += attempt("start-up", figures.startup_rows, ctx, runs) or []
        if "keys" in groups:
            rows += attempt("key latency", figures.keys_rows, ctx) or []
        if "propagation" in groups:
            rows += attempt("propagation", figures.propagation_rows, ctx) or []
        if "idle" in groups:
            rows += attempt("idle", figures.idle_rows, ctx) or []
        if "throughput" in groups:
            rows += attempt("write throughput", figures.throughput_rows, ctx) or []
        exports = attempt("export", figures.measure_exports, ctx) if "export" in groups else None
        if exports:
            rows += attempt("export", figures.export_rows, ctx, exports) or []
        if runs:
            rows += attempt("growth", figures.growth_startup_rows, ctx, runs) or []
        if exports:
            rows += attempt("growth", figures.growth_export_rows, ctx, exports) or []
        if "navigation" in groups:
            rows += attempt("timeline keys", figures.navigation_rows, ctx) or []
        if "cli" in groups:
            rows += attempt("command line", figures.cli_rows, ctx) or []
        if "report" in groups:
            rows += attempt("report", figures.report_rows, ctx) or []
        if "postgres" in groups:
            rows += attempt("postgresql", figures.postgres_rows, ctx) or []
        if "terminal" in groups:
            rows += attempt("start-up in tmux", figures.terminal_rows, ctx) or []
        if "latency" in groups:
            rows += attempt("far database", figures.latency_rows, ctx) or []
        if "statuspage" in groups:
            from bench.statuspage import statuspage_rows

            rows += attempt("status page", statuspage_rows, ctx) or []
        if "intake" in groups:
            from bench.intake import intake_rows  # aiohttp: only for this group

            rows += attempt("alerts in", intake_rows, ctx) or []
    finally:
        if args.keep:
            ctx.log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    meta["loadavg_after"] = os.getloadavg()
    meta["seconds"] = round(time.monotonic() - started, 1)
    result = {"meta": meta, "figures": rows, "errors": ctx.errors}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")

    title = "warroom bench" + (" (smoke)" if params.smoke else "")
    print(
        f"{title}: {meta['versions']}, git {meta['git_head']}, {meta['seconds']}s, "
        f"load {meta['loadavg_before'][0]:.2f} -> {meta['loadavg_after'][0]:.2f}"
    )
    print("medians [min–max]; latency rows show the percentile [sample min–max]")
    print(table(rows))
    for row in rows:
        if row.get("note"):
            print(f"note: {row['note']}")
    for row in rows:
        if row["status"] == "n/a" and row.get("detail", {}).get("reason"):
            print(f"n/a: {row['figure']}: {row['detail']['reason']}")
    for error in ctx.errors:
        print(f"error: {error}")
    print(f"results: {args.out}")
    return 1 if ctx.errors else 0


if __name__ == "__main__":
    sys.exit(run())
