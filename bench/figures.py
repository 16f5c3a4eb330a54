"""The eight figures: each starts measuring processes (bench.child) and returns rows.

Every figure compares warroom against a baseline measured in the same run, so
the ratios hold on a shared, loaded machine where absolute times do not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import seed as seeding
from bench.stats import judge, pct_summary, ratio, summary

ROOT = Path(__file__).resolve().parent.parent
KIB = 1024


@dataclass
class Params:
    smoke: bool = False
    large: int = 10_000
    growth: tuple[int, int, int] = (1_000, 10_000, 100_000)
    startup_reps: int = 15  # start-up is the noisiest figure: more runs steady its median
    growth_reps: tuple[int, int] = (5, 3)  # runs at the small and the largest size
    key_presses: int = 400  # the p95 of each side: its 20 slowest keys, not its 10
    key_rounds: int = 4  # alternating, so a busy spell falls on both sides
    prop_trials: int = 20
    prop_rounds: int = 2
    idle_seconds: float = 30.0
    idle_warmup: float = 2.0  # seconds after the first full paint before the idle window
    writers: int = 8
    writer_rows: int = 100
    write_reps: int = 6
    export_reps: tuple[int, int] = (5, 3)  # reps up to the large size, and at the largest
    nav_rounds: int = 3
    cli_reps: int = 7
    tmux_notes: int = 300  # the incident shown in a real terminal
    tmux_reps: int = 15  # a busy machine moves single runs by 0.1 s: a median of 15 a side holds
    report_incidents: int = 1_000
    report_entries: int = 100  # timeline entries per incident
    report_reps: int = 7
    latency_rtts: tuple[int, ...] = (0, 20, 60, 150)  # ms round trip; the first is the base
    latency_actions: int = 8  # ticks, notes, hand-offs and publishes at each round trip
    latency_echo_keys: int = 6  # keys typed behind each note
    latency_cli_reps: int = 9  # each a fresh process: its median steadies with more
    latency_chooser_openings: int = 3  # the hand-off chooser opened per hand-off (see child)
    latency_lock_seconds: float = 3.0

    @classmethod
    def smoke_params(cls) -> Params:
        return cls(
            smoke=True,
            large=300,
            growth=(30, 300, 3_000),
            startup_reps=2,
            growth_reps=(1, 1),
            key_presses=6,
            key_rounds=1,
            prop_trials=2,
            prop_rounds=1,
            idle_seconds=2.0,
            idle_warmup=0.5,
            writers=2,
            writer_rows=10,
            write_reps=2,
            export_reps=(1, 1),
            nav_rounds=1,
            cli_reps=1,
            tmux_notes=30,
            tmux_reps=1,
            report_incidents=20,
            report_entries=20,
            report_reps=2,
            latency_rtts=(0, 20),
            latency_actions=2,
            latency_echo_keys=3,
            latency_cli_reps=1,
            latency_chooser_openings=1,
        )


@dataclass
class Ctx:
    params: Params
    tmp: Path
    env: dict[str, str]
    dbs: dict[int, Path] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    counter: int = 0
    started: float = field(default_factory=time.monotonic)

    def log(self, msg: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:5.0f}s] {msg}", file=sys.stderr, flush=True)


class ChildFailed(RuntimeError):
    pass


def child_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(("WARROOM_", "TEXTUAL_")):
            del env[key]
    (tmp / "config").mkdir(exist_ok=True)
    (tmp / "data").mkdir(exist_ok=True)
    env.update(
        WARROOM_USER="bench",
        XDG_CONFIG_HOME=str(tmp / "config"),  # no user policy or settings
        XDG_DATA_HOME=str(tmp / "data"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        TZ="UTC",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_child(ctx: Ctx, mode: str, cfg: dict, timeout: float = 600) -> dict[str, Any]:
    """Run one measuring process; returns its result plus spawn time, wall time,
    peak RSS (KiB, from wait4: this child only) and CPU seconds."""
    ctx.counter += 1
    out = ctx.tmp / f"{ctx.counter:03d}-{mode}.json"
    err = ctx.tmp / f"{ctx.counter:03d}-{mode}.stderr"
    argv = [sys.executable, "-m", "bench.child", mode, json.dumps(cfg), str(out)]
    with err.open("wb") as err_fh:
        t_spawn = time.monotonic()
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=ctx.env, stdin=subprocess.DEVNULL, stdout=err_fh, stderr=err_fh
        )
        deadline = t_spawn + timeout
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, rusage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise ChildFailed(f"{mode} timed out after {timeout:g}s: {_tail(err)}")
            time.sleep(0.005)
        t_exit = time.monotonic()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.exists():
        raise ChildFailed(f"{mode} exited with {proc.returncode}: {_tail(err)}")
    result = json.loads(out.read_text())
    result["_spawn"] = t_spawn
    result["_wall"] = t_exit - t_spawn
    result["_maxrss_kib"] = rusage.ru_maxrss
    result["_cpu"] = rusage.ru_utime + rusage.ru_stime
    return result


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(text[-lines:]) or "(no output)"


def spawn_worker(ctx: Ctx, mode: str, cfg: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.child", mode, json.dumps(cfg), "-"],
        cwd=ROOT,
        env=ctx.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ------------------------------------------------------------------ seeding
def seed_all(ctx: Ctx, groups: set[str]) -> None:
    """Seed the incidents the chosen figure groups need (each size once)."""
    sizes: set[int] = set()
    if groups & {"startup", "export"}:
        sizes |= {*ctx.params.growth, ctx.params.large}
    if "navigation" in groups:
        sizes.add(max(ctx.params.growth))
    if "cli" in groups:
        sizes.add(ctx.params.large)
    if groups & {"keys", "propagation", "idle", "postgres", "latency"}:
        sizes.add(ctx.params.large)
    sizes = sorted(sizes)
    for n in sizes:
        path = ctx.tmp / f"incident-{n}.db"
        t = time.monotonic()
        seeding.seed(path, n, updates=min(50, max(1, n // 20)))
        ctx.dbs[n] = path
        ctx.log(f"seeded {n:,} entries in {time.monotonic() - t:.1f}s")


def scratch_copy(ctx: Ctx, n: int, name: str) -> Path:
    return seeding.copy_db(ctx.dbs[n], ctx.tmp / f"{name}-{n}.db")


# ---------------------------------------------------- 1, 2 and 8: start-up
def _app_run(ctx: Ctx, kind: str, n: int | None) -> dict:
    cfg = {"kind": kind, "db": str(ctx.dbs[n]) if n else ""}
    res = run_child(ctx, "app", cfg, timeout=300)
    res["startup"] = res["t_paint"] - res["_spawn"]
    return res


def measure_startups(ctx: Ctx) -> dict[str, list[dict]]:
    """Interleaved runs: warroom at each size and the minimal app, alternating order."""
    p = ctx.params
    small, mid, big = p.growth
    plan: list[tuple[str, int | None]] = []
    for i in range(p.startup_reps):
        pair = [("warroom", p.large), ("minimal", None)]
        plan += pair if i % 2 == 0 else pair[::-1]
    for i in range(max(p.growth_reps)):
        if i < p.growth_reps[0] and small != p.large:
            plan.append(("warroom", small))
        if i < p.growth_reps[1] and big != p.large:
            plan.append(("warroom", big))
        if mid != p.large:
            plan.append(("warroom", mid))
        plan.append(("minimal", None))
    runs: dict[str, list[dict]] = {}
    for i, (kind, n) in enumerate(plan, 1):
        key = "minimal" if kind == "minimal" else f"warroom-{n}"
        ctx.log(f"start-up {i}/{len(plan)}: {key}")
        runs.setdefault(key, []).append(_app_run(ctx, kind, n))
    return runs


def startup_rows(ctx: Ctx, runs: dict[str, list[dict]]) -> list[dict]:
    p = ctx.params
    war = runs.get(f"warroom-{p.large}", [])
    base = runs.get("minimal", [])
    w, b = summary([r["startup"] for r in war]), summary([r["startup"] for r in base])
    r = ratio(w, b)
    breakdown = {
        "interpreter_to_main": summary([r_["t_main"] - r_["_spawn"] for r_ in war]),
        "imports": summary([r_["t_imported"] - r_["t_main"] for r_ in war]),
        "store_open": summary([r_["t_store"] - r_["t_imported"] for r_ in war]),
        "app_built_to_paint": summary([r_["t_paint"] - r_["t_built"] for r_ in war]),
        "minimal_imports": summary([r_["t_imported"] - r_["t_main"] for r_ in base]),
        "minimal_built_to_paint": summary([r_["t_paint"] - r_["t_built"] for r_ in base]),
        "process_wall": summary([r_["_wall"] for r_ in war]),
        "minimal_process_wall": summary([r_["_wall"] for r_ in base]),
    }
    rows = [
        {
            "key": "startup",
            "figure": f"1 start-up to first full paint ({p.large:,} entries)",
            "unit": "s",
            "warroom": w,
            "baseline": b,
            "baseline_is": "minimal Textual app (Header, Static, Footer), same harness",
            "ratio": r,
            "target": "ratio <= 1.5",
            "status": judge(r, "<=", 1.5),
            "detail": breakdown,
            "note": "start-up split, medians: warroom interpreter {} + imports {} + store open {}"
            " + app to paint {}; minimal app imports {} + app to paint {}".format(
                *(
                    _ms(breakdown[k])
                    for k in (
                        "interpreter_to_main",
                        "imports",
                        "store_open",
                        "app_built_to_paint",
                        "minimal_imports",
                        "minimal_built_to_paint",
                    )
                )
            ),  # fmt: skip
        }
    ]
    wm = summary([r_["_maxrss_kib"] * KIB / 2**20 for r_ in war])
    bm = summary([r_["_maxrss_kib"] * KIB / 2**20 for r_ in base])
    rm = ratio(wm, bm)
    rows.append(
        {
            "key": "memory",
            "figure": f"2 peak RSS, start-up to paint ({p.large:,} entries)",
            "unit": "MiB",
            "warroom": wm,
            "baseline": bm,
            "baseline_is": "minimal Textual app (wait4 ru_maxrss of each child)",
            "ratio": rm,
            "target": "ratio <= 1.5",
            "status": judge(rm, "<=", 1.5),
        }
    )
    return rows


def _growth_row(key: str, figure: str, unit: str, big: dict | None, small: dict | None,
                detail: dict | None = None) -> dict:  # fmt: skip
    r = ratio(big, small)
    return {
        "key": key,
        "figure": figure,
        "unit": unit,
        "warroom": big,
        "baseline": small,
        "baseline_is": "the same measure at a tenth of the entries",
        "ratio": r,
        "target": "<= 20x per 10x",
        "status": judge(r, "<=", 20),
        "detail": detail or {},
    }


def growth_startup_rows(ctx: Ctx, runs: dict[str, list[dict]]) -> list[dict]:
    """How start-up grows with entries: warroom's time above the minimal app's."""
    small, mid, big = ctx.params.growth
    base = summary([r["startup"] for r in runs.get("minimal", [])])
    floor = base["median"] if base else 0.0
    excess: dict[int, dict | None] = {}
    raw: dict[int, dict | None] = {}
    for n in (small, mid, big):
        values = [r["startup"] for r in runs.get(f"warroom-{n}", [])]
        raw[n] = summary(values)
        excess[n] = summary([v - floor for v in values])
    rows = []
    for lo, hi in ((small, mid), (mid, big)):
        rows.append(
            _growth_row(
                f"growth_startup_{hi}_{lo}",
                f"8 growth: start-up above minimal app, {_k(hi)}/{_k(lo)}",
                "s",
                excess[hi],
                excess[lo],
                {
                    "raw_startup": {str(n): raw[n] for n in (lo, hi)},
                    "raw_ratio": ratio(raw[hi], raw[lo]),
                },
            )
        )
    return rows


def _ms(stat: dict | None) -> str:
    return "—" if not stat else f"{stat['median'] * 1000:.0f} ms"


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# --------------------------------------------------------- 3: key latency
def keys_rows(ctx: Ctx) -> list[dict]:
    p = ctx.params
    db = scratch_copy(ctx, p.large, "keys")
    ctx.log(f"key latency: {p.key_presses} presses in warroom, {p.key_presses} in a bare Input app")
    res = run_child(
        ctx,
        "keys",
        {"db": str(db), "presses": p.key_presses, "bare_presses": p.key_presses,
         "rounds": p.key_rounds},
        timeout=900,
    )  # fmt: skip
    war = [s for s in res["warroom"] if s.get("ok")]
    bare = [s for s in res["bare"] if s.get("ok")]
    failed = len(res["warroom"]) - len(war)
    painted = [s["painted"] for s in war]
    committed = [s["committed"] for s in war]
    by_action = {
        action: {
            "painted_p50": pct_summary([s["painted"] for s in war if s["action"] == action], 50),
            "painted_p95": pct_summary([s["painted"] for s in war if s["action"] == action], 95),
            "committed_p95": pct_summary(
                [s["committed"] for s in war if s["action"] == action], 95
            ),
            "painted_cpu_p95": pct_summary(
                [s["painted_cpu"] for s in war if s["action"] == action], 95
            ),
        }
        for action in ("tick", "note", "assign")
    }
    painted_cpu = [s["painted_cpu"] for s in war]
    detail = {
        "painted_cpu_p50": pct_summary(painted_cpu, 50),
        "painted_cpu_p95": pct_summary(painted_cpu, 95),
        "bare_painted_cpu_p95": pct_summary([s["painted_cpu"] for s in bare], 95),
        "presses": len(res["warroom"]),
        "verified_by_second_connection": len(war),
        "failed_or_unverified": failed,
        "committed_p50": pct_summary(committed, 50),
        "committed_p95": pct_summary(committed, 95),
        "by_action": by_action,
        "method": "t0 just before Pilot.press(key); commit time stamped by the store's "
        "write transaction; painted = first frame (rendered to escape sequences) whose "
        "text shows the change. Pilot's own waiting after the key is not included.",
    }
    rows = []
    for pct in (50, 95):
        w = pct_summary(painted, pct)
        b = pct_summary([s["painted"] for s in bare], pct)
        rows.append(
            {
                "key": f"key_p{pct}",
                "figure": f"3 key → committed & painted, p{pct}",
                "unit": "ms",
                "warroom": w,
                "baseline": b,
                "baseline_is": "bare Textual Input app: key → character painted",
                "ratio": ratio(w, b),
                # Wall time measures the machine as much as warroom: shown, not judged.
                "target": "info (CPU ratio below)",
                "status": "info",
                "detail": detail if pct == 95 else {},
                "note": (
                    "key p95 by action: "
                    + ", ".join(
                        f"{a} {_ms(v['painted_p95'])}"
                        for a, v in by_action.items()
                        if v["painted_p95"]
                    )
                    + f"; key→commit p95 {_ms(detail['committed_p95'])}"
                    + f"; app CPU key→paint p95 {_ms(detail['painted_cpu_p95'])}"
                    + " ("
                    + ", ".join(
                        f"{a} {_ms(v['painted_cpu_p95'])}"
                        for a, v in by_action.items()
                        if v["painted_cpu_p95"]
                    )
                    + ")"
                    + f" (bare {_ms(detail['bare_painted_cpu_p95'])})"
                    + f"; {len(war)}/{len(res['warroom'])} presses verified via a second connection"
                )
                if pct == 95
                else "",
            }
        )
    wc = pct_summary(painted_cpu, 95)
    bc = pct_summary([s["painted_cpu"] for s in bare], 95)
    cpu_ratio = ratio(wc, bc)
    rows.append(
        {
            "key": "key_cpu_p95",
            "figure": "3 key CPU, key → committed & painted, p95",
            "unit": "ms",
            "warroom": wc,
            "baseline": bc,
            "baseline_is": "bare Textual Input app: its CPU from key to character painted",
            "ratio": cpu_ratio,
            "target": "ratio <= 3",
            "status": judge(cpu_ratio, "<=", 3.0),
        }
    )
    wp = pct_summary([s["pilot"] for s in war], 50)
    bp = pct_summary([s["pilot"] for s in bare], 50)
    rows.append(
        {
            "key": "key_pilot_p50",
            "figure": "3 Pilot.press wall time, p50 (harness)",
            "unit": "ms",
            "warroom": wp,
            "baseline": bp,
            "baseline_is": "bare Textual Input app under Pilot",
            "ratio": ratio(wp, bp),
            "target": "info",
            "status": "info",
        }
    )
    if failed:
        ctx.errors.append(f"key latency: {failed} presses not shown/verified")
    return rows


# ----------------------------------------------------- 9: long timeline
def navigation_rows(ctx: Ctx) -> list[dict]:
    n = max(ctx.params.growth)
    db = scratch_copy(ctx, n, "navigate")
    ctx.log(f"timeline keys on {n:,} entries")
    res = run_child(ctx, "navigate", {"db": str(db), "rounds": ctx.params.nav_rounds}, 900)
    rows = []
    for key, name in (("g", "g (top)"), ("G", "G (bottom)"), ("pageup", "page up"),
                      ("pagedown", "page down")):  # fmt: skip
        stat = pct_summary(res["samples"].get(key, []), 95)
        rows.append(
            {
                "key": f"nav_{key.lower()}" if key != "G" else "nav_bottom",
                "figure": f"9 timeline {name}, {_k(n)} entries, CPU p95",
                "unit": "ms",
                "warroom": stat,
                "baseline": None,
                "baseline_is": "none: an absolute CPU budget",
                "ratio": None,
                "target": "<= 100 ms CPU",
                "status": judge(stat and stat["median"], "<=", 0.100),
            }
        )
    return rows


# ----------------------------------------------------- 10: command line
def cli_rows(ctx: Ctx) -> list[dict]:
    """Wall time of CLI verbs in fresh processes, alternating with the baseline
    (a Python that imports what any such script would: sqlite3, argparse, ...)."""
    db = scratch_copy(ctx, ctx.params.large, "cli")
    warroom = str(Path(sys.executable).parent / "warroom")
    env = {**ctx.env, "WARROOM_DB": str(db), "WARROOM_USER": "bench"}
    base_cmd = [sys.executable, "-c", "import sqlite3, argparse, tomllib, json"]
    verbs = {
        "note": [warroom, "note", "1", "bench note from a script"],
        "list": [warroom, "list"],
        "status": [warroom, "status", "1"],
        "tick": [warroom, "tick", "1", "a2"],
    }
    times: dict[str, list[float]] = {"baseline": []}
    cpu: dict[str, list[float]] = {"baseline": []}

    def timed(name: str, cmd: list[str]) -> None:
        # CPU time of the process (wait4), as the key figure does: what the
        # verb costs, not how busy the shared machine is; wall time is shown too.
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.setdefault(name, []).append(time.monotonic() - t0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise ChildFailed(f"{' '.join(cmd[1:])} exited with {status}")
        cpu.setdefault(name, []).append(usage.ru_utime + usage.ru_stime)

    ctx.log(f"command line: {len(verbs)} verbs x {ctx.params.cli_reps}, with the baseline")
    for _ in range(ctx.params.cli_reps):
        for verb, cmd in verbs.items():
            timed("baseline", base_cmd)
            timed(verb, cmd)
    base = summary(cpu["baseline"])
    base_wall = summary(times["baseline"])
    rows = []
    for verb in verbs:
        w = summary(cpu[verb])
        r = ratio(w, base)
        wall = summary(times[verb])
        rows.append(
            {
                "key": f"cli_{verb}",
                "figure": f"10 warroom {verb} (command line), process CPU",
                "unit": "CPU-s",
                "warroom": w,
                "baseline": base,
                "baseline_is": "python -c 'import sqlite3, argparse, tomllib, json'",
                "ratio": r,
                "target": "ratio <= 2",
                "status": judge(r, "<=", 2.0),
                "detail": {
                    "wall": wall,
                    "baseline_wall": base_wall,
                    "wall_ratio": ratio(wall, base_wall),
                },
            }  # fmt: skip
        )
    rows[0]["note"] = (
        "command line wall time, medians: "
        + ", ".join(
            f"{row['key'][4:]} {row['detail']['wall']['median'] * 1000:.0f} ms"
            for row in rows
            if row["detail"]["wall"]
        )
        + f" (baseline {base_wall['median'] * 1000:.0f} ms)"
    )
    return rows


# ------------------------------------------- 11: start-up in a real terminal
TMUX_SIZE = (160, 48)


def _tmux_run(ctx: Ctx, command: list[str], needles: list[str], env: dict[str, str]) -> list[float]:
    """Seconds from launching `command` in a fresh tmux server (its own socket,
    no user config) until each of `needles` is on the pane, polled every 5 ms."""
    import shlex

    ctx.counter += 1
    sock = f"warroom-bench-{os.getpid()}-{ctx.counter}"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    w, h = TMUX_SIZE
    line = " ".join(shlex.quote(a) for a in command)
    seen: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        # default-size too: without a client, tmux may start the pane at 80x24.
        subprocess.run(
            [*tmux, "start-server", ";", "set", "-g", "default-size", f"{w}x{h}", ";",
             "new-session", "-d", "-x", str(w), "-y", str(h), line],
            env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        deadline = t0 + 60
        while time.monotonic() < deadline:
            pane = subprocess.run(
                [*tmux, "capture-pane", "-p"], env=env, capture_output=True, text=True, timeout=30
            ).stdout
            at = time.monotonic() - t0
            for needle in needles:
                if needle in pane:
                    seen.setdefault(needle, at)
            if len(seen) == len(needles):
                return [seen[n] for n in needles]
            time.sleep(0.005)
        missing = [n for n in needles if n not in seen]
        raise ChildFailed(f"{missing!r} never shown in tmux; the pane:\n{pane[-1500:]}")
    finally:
        pids = subprocess.run(
            [*tmux, "list-panes", "-a", "-F", "#{pane_pid}"],
            env=env, capture_output=True, text=True, timeout=30,
        ).stdout.split()  # fmt: skip
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True, timeout=30)
        socket_dir = Path(env.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (socket_dir / sock).unlink(missing_ok=True)
        # The next run starts once this one's process has gone: an app still
        # shutting down would take CPU (and its database) from the next start.
        for pid in pids:
            _wait_gone(int(pid), timeout=30)


def _wait_gone(pid: int, timeout: float) -> None:
    """Until process pid has exited (or is a zombie), at most timeout seconds."""
    deadline = time.monotonic() + timeout
    stat = Path(f"/proc/{pid}/stat")
    while time.monotonic() < deadline:
        try:
            # The state follows the command's name, which is in parentheses.
            if stat.read_text().rpartition(")")[2].split()[0] in ("Z", "X"):
                return
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        time.sleep(0.002)


# On the war room's last panel: on screen once every panel is painted and filled.
ROOM_NEEDLE = "Draft update"


def terminal_rows(ctx: Ctx) -> list[dict]:
    """`warroom` in tmux on an incident of 300 notes, from launch to the whole
    war room on screen (its last panel's title: what the user waits for),
    alternating with the three-widget app until its text shows; the incident
    title's time for the record."""
    import shutil

    p = ctx.params
    figure = f"11 start-up in tmux to the whole room ({p.tmux_notes} notes)"
    row = {
        "key": "startup_tmux",
        "figure": figure,
        "unit": "s",
        "baseline_is": "three-widget Textual app (Header, Static, Footer) in tmux",
        "target": "ratio <= 1.25",
    }
    if shutil.which("tmux") is None:
        reason = "tmux is not installed: this figure needs a real terminal"
        ctx.log(f"start-up in tmux skipped: {reason}")
        return [{**row, "warroom": None, "baseline": None, "ratio": None, "status": "n/a",
                 "detail": {"reason": reason}}]  # fmt: skip
    db = ctx.tmp / f"tmux-{p.tmux_notes}.db"
    seeding.seed(db, p.tmux_notes, updates=min(10, max(1, p.tmux_notes // 30)))
    env = {**ctx.env, "WARROOM_DB": str(db), "WARROOM_USER": "bench"}
    for name in ("TMUX", "COLUMNS", "LINES"):  # the pane's size, not the caller's
        env.pop(name, None)
    warroom = [str(Path(sys.executable).parent / "warroom")]
    minimal = [sys.executable, "-m", "bench.child", "minimal-tty", "{}", "-"]
    runs: dict[str, list[float]] = {"room": [], "title": [], "minimal": []}
    ctx.log(f"start-up in tmux: {p.tmux_reps} runs a side, alternating")
    for i in range(p.tmux_reps):
        order = ("warroom", "minimal") if i % 2 == 0 else ("minimal", "warroom")
        for kind in order:
            if kind == "warroom":
                title, room = _tmux_run(ctx, warroom, [seeding.TITLE[:24], ROOM_NEEDLE], env)
                runs["title"].append(title)
                runs["room"].append(room)
            else:
                runs[kind] += _tmux_run(ctx, minimal, ["A minimal Textual app"], env)
    room, b = summary(runs["room"]), summary(runs["minimal"])
    title = summary(runs["title"])
    r = ratio(room, b)
    return [
        {**row, "warroom": room, "baseline": b, "ratio": r, "status": judge(r, "<=", 1.25),
         "detail": {"runs": runs, "size": TMUX_SIZE, "needle": ROOM_NEEDLE}},
        # The room opens whole, in one frame: the title comes with it.
        {**row, "key": "startup_tmux_title",
         "figure": f"11 start-up in tmux to the title ({p.tmux_notes} notes)",
         "warroom": title, "baseline": b, "ratio": ratio(title, b), "target": "info",
         "status": "info"},
    ]  # fmt: skip


# ----------------------------------------------------- 4: propagation
def propagation_rows(ctx: Ctx) -> list[dict]:
    p = ctx.params
    db = scratch_copy(ctx, p.large, "propagation")
    ctx.log(f"propagation: {p.prop_trials} notes from a second process, warroom and baseline")
    res = run_child(
        ctx,
        "propagate",
        {"db": str(db), "trials": p.prop_trials, "rounds": p.prop_rounds},
        timeout=600,
    )
    war = [s["shown"] for s in res["warroom"] if s.get("ok")]
    bare = [s["shown"] for s in res["bare"] if s.get("ok")]
    missed = len(res["warroom"]) - len(war)
    rows = []
    for pct in (50, 95):
        w = pct_summary(war, pct)
        b = pct_summary(bare, pct)
        rows.append(
            {
                "key": f"propagation_p{pct}",
                "figure": f"4 other process's note → shown, p{pct}",
                "unit": "s",
                "warroom": w,
                "baseline": b,
                "baseline_is": "bare Textual app polling PRAGMA data_version at the same interval",
                "ratio": ratio(w, b),
                "target": "p95 <= 1 s (aim 0.5)" if pct == 95 else "info (aim p95 0.5 s)",
                "status": judge(w and w["median"], "<=", 1.0) if pct == 95 else "info",
                "detail": {
                    "trials": len(res["warroom"]),
                    "not_shown": missed,
                    "poll_seconds": res.get("poll_seconds"),
                }
                if pct == 95
                else {},
            }  # fmt: skip
        )
    if missed:
        ctx.errors.append(f"propagation: {missed} notes never shown")
    return rows


# ------------------------------------------------------------- 5: idle
def idle_rows(ctx: Ctx) -> list[dict]:
    p = ctx.params
    seconds = p.idle_seconds
    ctx.log(f"idle: war room and minimal app open for {seconds:g}s each (side by side)")
    results: dict[str, dict] = {}
    import threading

    def go(kind: str) -> None:
        try:
            results[kind] = run_child(
                ctx,
                "app",
                {
                    "kind": kind,
                    "db": str(ctx.dbs[p.large]),
                    "idle": seconds,
                    "warmup": p.idle_warmup,
                },
                timeout=seconds + p.idle_warmup + 300,
            )
        except ChildFailed as exc:
            results[kind] = {"error": str(exc)}

    threads = [threading.Thread(target=go, args=(k,)) for k in ("warroom", "minimal")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for res in results.values():
        if "error" in res:
            raise ChildFailed(res["error"])

    def cpu(res: dict) -> dict:
        return summary([res["cpu_end"] - res["cpu_idle"]])

    w, b = cpu(results["warroom"]), cpu(results["minimal"])
    limit = 0.01 * seconds
    detail = {
        kind: {
            "idle_wall_s": res["t_end"] - res["t_idle"],
            "frames": res["frames_end"] - res["frames_idle"],
            "bytes_written": res["bytes_end"] - res["bytes_idle"],
            "warmup_s": p.idle_warmup,
            "warmup_cpu_s": res["cpu_idle"] - res["cpu_paint"],
        }
        for kind, res in results.items()
    }
    return [
        {
            "key": "idle",
            "figure": f"5 idle CPU, war room open {seconds:g}s",
            "unit": "CPU-s",
            "warroom": w,
            "baseline": b,
            "baseline_is": "minimal Textual app with Header clock, same time",
            "ratio": ratio(w, b),
            "target": f"<= {limit:.2g} CPU-s (1% core)",
            "status": judge(w and w["median"], "<=", limit),
            "detail": detail,
            "note": "idle window opens {:g}s after the first full paint (settling CPU then:"
            " warroom {:.2f} s, minimal {:.2f} s); frames/s in the window: warroom {:.1f},"
            " minimal {:.1f}".format(
                p.idle_warmup,
                detail["warroom"]["warmup_cpu_s"],
                detail["minimal"]["warmup_cpu_s"],
                detail["warroom"]["frames"] / seconds,
                detail["minimal"]["frames"] / seconds,
            ),
        }
    ]


# ------------------------------------------------------ 6: write throughput
class WriterPool:
    """N long-lived writer processes on one database; each round they all start together."""

    def __init__(self, ctx: Ctx, mode: str, db: str | None = None, iid: int | None = None):
        p = ctx.params
        self.mode = mode
        if db is None:
            db = ctx.tmp / f"throughput-{mode}.db"
            iid = seeding.fresh(db)
        self.procs = [
            spawn_worker(
                ctx,
                "write-worker",
                {"db": str(db), "iid": iid, "rows": p.writer_rows, "worker": i, "mode": mode},
            )
            for i in range(p.writers)
        ]
        for proc in self.procs:
            line = proc.stdout.readline().strip()
            if line != "ready":
                self.close()
                raise ChildFailed(f"write worker did not start: {line!r} {proc.stderr.read()}")

    def round(self) -> dict:
        for proc in self.procs:  # all are waiting on stdin: release them together
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in self.procs:
            line = proc.stdout.readline()
            if not line:
                raise ChildFailed(f"write worker died: {proc.stderr.read()[-2000:]}")
            results.append(json.loads(line))
        rows = sum(r["rows"] - r["errors"] for r in results)
        span = max(r["t_end"] for r in results) - min(r["t_start"] for r in results)
        return {"rows_per_s": rows / span, "errors": sum(r["errors"] for r in results)}

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


def throughput_rows(ctx: Ctx) -> list[dict]:
    p = ctx.params
    samples: dict[str, list[dict]] = {"warroom": [], "raw": []}
    ctx.log(f"write throughput: {p.writers} warroom and {p.writers} raw writer processes")
    pools = {mode: WriterPool(ctx, mode) for mode in ("warroom", "raw")}
    try:
        for rep in range(p.write_reps):
            order = ("warroom", "raw") if rep % 2 == 0 else ("raw", "warroom")
            for mode in order:
                samples[mode].append(pools[mode].round())
    finally:
        for pool in pools.values():
            pool.close()
    w = summary([s["rows_per_s"] for s in samples["warroom"]])
    b = summary([s["rows_per_s"] for s in samples["raw"]])
    # Rounds ran back to back in pairs, so pair them: the machine's load moves
    # both sides of a pair alike, far more than it moves a median.
    pairs = [
        a["rows_per_s"] / c["rows_per_s"]
        for a, c in zip(samples["warroom"], samples["raw"], strict=True)
        if c["rows_per_s"]
    ]
    paired = summary(pairs)
    r = paired["median"] if paired else None
    errors = sum(s["errors"] for s in samples["warroom"] + samples["raw"])
    if errors:
        ctx.errors.append(f"write throughput: {errors} writes failed")
    return [
        {
            "key": "throughput",
            "figure": f"6 shared-file writes, {p.writers} processes",
            "unit": "rows/s",
            "warroom": w,
            "baseline": b,
            "baseline_is": "plain sqlite3, WAL, synchronous=FULL, BEGIN IMMEDIATE + 1 row + COMMIT",
            "ratio": r,
            "target": "ratio >= 0.5",
            "status": judge(r, ">=", 0.5),
            "detail": {"rows_per_process": p.writer_rows, "errors": errors, "paired_ratios": pairs},
            "note": f"write ratio = median of {len(pairs)} back-to-back round pairs"
            + (f" [{paired['min']:.2f}–{paired['max']:.2f}]" if paired else ""),
        }
    ]


# ------------------------------------------------------ 7 and 8: export
def measure_exports(ctx: Ctx) -> dict[int, dict]:
    p = ctx.params
    out = {}
    for n in p.growth:
        reps = p.export_reps[1] if n == max(p.growth) else p.export_reps[0]
        ctx.log(f"export: {n:,} entries, {reps} reps")
        out[n] = run_child(ctx, "export", {"db": str(ctx.dbs[n]), "reps": reps}, timeout=900)
    if p.large not in out:
        out[p.large] = run_child(
            ctx, "export", {"db": str(ctx.dbs[p.large]), "reps": p.export_reps[0]}, timeout=900
        )
    return out


def export_rows(ctx: Ctx, exports: dict[int, dict]) -> list[dict]:
    p = ctx.params
    res = exports[p.large]
    rows = []
    bundle = summary(res["bundle"])
    for fmt, label in (("md", "Markdown"), ("json", "JSON")):
        if res["status"] != "ok":
            rows.append(
                {
                    "key": f"export_{fmt}",
                    "figure": f"7 export {label} ({p.large:,} entries)",
                    "unit": "s",
                    "warroom": None,
                    "baseline": bundle,
                    "baseline_is": "store.bundle() alone (reading the rows)",
                    "ratio": None,
                    "target": "<= 0.5 s",
                    "status": "n/a",
                    "detail": {"reason": res.get("reason", "")},
                }
            )
            continue
        w = summary(res[fmt])
        rows.append(
            {
                "key": f"export_{fmt}",
                "figure": f"7 export {label} ({p.large:,} entries)",
                "unit": "s",
                "warroom": w,
                "baseline": bundle,
                "baseline_is": "store.bundle() alone (reading the rows)",
                "ratio": ratio(w, bundle),
                "target": "<= 0.5 s",
                "status": judge(w and w["median"], "<=", 0.5),
                "detail": {"chars": res.get(f"{fmt}_chars"), "measures": "store.bundle + render"},
            }
        )
    return rows


def growth_export_rows(ctx: Ctx, exports: dict[int, dict]) -> list[dict]:
    small, mid, big = ctx.params.growth
    rows = []
    measures = [("bundle", "read", "read (store.bundle)")]
    if all(exports[n]["status"] == "ok" for n in (small, mid, big)):
        measures += [("md", "export_md", "export Markdown"), ("json", "export_json", "export JSON")]
    else:
        for fmt in ("md", "json"):
            rows.append(
                {
                    "key": f"growth_export_{fmt}",
                    "figure": f"8 growth: export {fmt}",
                    "unit": "s",
                    "warroom": None,
                    "baseline": None,
                    "ratio": None,
                    "target": "<= 20x per 10x",
                    "status": "n/a",
                    "detail": {"reason": "render_export is not implemented yet"},
                }
            )
    for measure, key, label in measures:
        for lo, hi in ((small, mid), (mid, big)):
            rows.append(
                _growth_row(
                    f"growth_{key}_{hi}_{lo}",
                    f"8 growth: {label}, {_k(hi)}/{_k(lo)}",
                    "s",
                    summary(exports[hi][measure]),
                    summary(exports[lo][measure]),
                )
            )
    return rows


# ------------------------------------------------------------- 9: report
def report_rows(ctx: Ctx) -> list[dict]:
    p = ctx.params
    db = ctx.tmp / "report.db"
    t = time.monotonic()
    written = seeding.seed_many(db, p.report_incidents, p.report_entries)
    ctx.log(f"seeded {p.report_incidents:,} incidents ({written:,} entries) in "
            f"{time.monotonic() - t:.1f}s")  # fmt: skip
    res = run_child(ctx, "report", {"db": str(db), "reps": p.report_reps}, timeout=900)
    w, raw = summary(res["report"]), summary(res["raw"])
    r = ratio(w, raw)
    return [
        {
            "key": "report",
            "figure": f"9 report, {p.report_incidents:,} incidents x {p.report_entries} entries",
            "unit": "CPU-s",
            "warroom": w,
            "baseline": raw,
            "baseline_is": "plain sqlite3 reading the same rows",
            "ratio": r,
            "target": "ratio < 2",
            "status": judge(r, "<=", 2.0),
            "detail": {"rows_read": res["rows"], "timeline_rows": written,
                       "measures": "report_rows + build_report + render_json"},
        }
    ]  # fmt: skip


# ------------------------------------------- 3, 4 and 6 on PostgreSQL
def pg_server(ctx: Ctx):
    """A PostgreSQL 15 of the bench's own, started as the tests start theirs."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import MISSING, PgServer, available

    if not available():
        raise ChildFailed(MISSING)
    return PgServer(fsync=True)  # durable commits, as a real server makes them


def _pg_incident(ctx: Ctx, server) -> str:
    """The seeded 10,000-entry incident, moved into a fresh database."""
    from warroom.core.model import utcnow
    from warroom.store.move import move

    url = server.new_database("bench")
    move(ctx.dbs[ctx.params.large], url, utcnow)
    return url


def postgres_rows(ctx: Ctx) -> list[dict]:
    p = ctx.params
    ctx.log("postgresql: starting a server on loopback")
    server = pg_server(ctx)
    rows: list[dict] = []
    try:
        url = _pg_incident(ctx, server)
        ctx.log(f"postgresql propagation: {p.prop_trials} notes from a second process")
        res = run_child(
            ctx, "propagate",
            {"db": url, "trials": p.prop_trials, "rounds": p.prop_rounds, "bare": False},
            timeout=600,
        )  # fmt: skip
        shown = [s["shown"] for s in res["warroom"] if s.get("ok")]
        missed = len(res["warroom"]) - len(shown)
        if missed:
            ctx.errors.append(f"postgresql propagation: {missed} notes never shown")
        w = pct_summary(shown, 95)
        rows.append(
            {
                "key": "pg_propagation_p95",
                "figure": "4 PostgreSQL: other process's note → shown, p95",
                "unit": "s",
                "warroom": w,
                "baseline": None,
                "baseline_is": "none: an absolute aim (NOTIFY, the TUI asks every 50 ms)",
                "ratio": None,
                "target": "p95 <= 0.1 s (aim)",
                "status": judge(w and w["median"], "<=", 0.1),
                "detail": {
                    "trials": len(res["warroom"]),
                    "not_shown": missed,
                    "p50": pct_summary(shown, 50),
                },
            }  # fmt: skip
        )

        url = _pg_incident(ctx, server)
        ctx.log(f"postgresql key latency: {p.key_presses} presses")
        res = run_child(
            ctx, "keys",
            {"db": url, "presses": p.key_presses, "bare_presses": p.key_presses,
             "rounds": p.key_rounds},
            timeout=900,
        )  # fmt: skip
        war = [s for s in res["warroom"] if s.get("ok")]
        failed = len(res["warroom"]) - len(war)
        if failed:
            ctx.errors.append(f"postgresql key latency: {failed} presses not shown/verified")
        w = pct_summary([s["painted"] for s in war], 95)
        b = pct_summary([s["painted"] for s in res["bare"] if s.get("ok")], 95)
        rows.append(
            {
                "key": "pg_key_p95",
                "figure": "3 PostgreSQL: key → committed & painted, p95",
                "unit": "ms",
                "warroom": w,
                "baseline": b,
                "baseline_is": "bare Textual Input app: key → character painted",
                "ratio": ratio(w, b),
                "target": "info",
                "status": "info",
                "detail": {
                    "committed_p95": pct_summary([s["committed"] for s in war], 95),
                    "presses": len(res["warroom"]),
                    "verified": len(war),
                },
                "note": f"PostgreSQL key→commit p95 "
                f"{_ms(pct_summary([s['committed'] for s in war], 95))}",
            }  # fmt: skip
        )

        seconds = p.idle_seconds
        ctx.log(f"postgresql idle: war room and minimal app open {seconds:g}s, side by side")
        idle: dict[str, dict] = {}
        import threading

        def go(kind: str) -> None:
            cfg = {"kind": kind, "db": url, "idle": seconds, "warmup": p.idle_warmup}
            try:
                idle[kind] = run_child(ctx, "app", cfg, timeout=seconds + p.idle_warmup + 300)
            except ChildFailed as exc:
                idle[kind] = {"error": str(exc)}

        threads = [threading.Thread(target=go, args=(k,)) for k in ("warroom", "minimal")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for res in idle.values():
            if "error" in res:
                raise ChildFailed(res["error"])
        w, b = (summary([idle[k]["cpu_end"] - idle[k]["cpu_idle"]]) for k in ("warroom", "minimal"))
        rows.append(
            {
                "key": "pg_idle",
                "figure": f"5 PostgreSQL: idle CPU, war room open {seconds:g}s",
                "unit": "CPU-s",
                "warroom": w,
                "baseline": b,
                "baseline_is": "minimal Textual app with Header clock, same time",
                "ratio": ratio(w, b),
                "target": f"<= {0.01 * seconds:.2g} CPU-s (1% core)",
                "status": judge(w and w["median"], "<=", 0.01 * seconds),
            }
        )

        ctx.log(f"postgresql write throughput: {p.writers} warroom and {p.writers} raw writers")
        from warroom.core.policy import default_policy
        from warroom.store import Store

        pools = {}
        try:
            for mode in ("warroom", "raw-pg"):
                db = server.new_database(f"tp_{mode.replace('-', '_')}")
                store = Store.open(db, default_policy(), "alice")
                iid = store.declare("Write throughput", "regression", "P1").id
                store.close()
                pools[mode] = WriterPool(ctx, mode, db, iid)
            samples: dict[str, list[dict]] = {"warroom": [], "raw-pg": []}
            for rep in range(p.write_reps):
                order = ("warroom", "raw-pg") if rep % 2 == 0 else ("raw-pg", "warroom")
                for mode in order:
                    samples[mode].append(pools[mode].round())
        finally:
            for pool in pools.values():
                pool.close()
        pairs = [
            a["rows_per_s"] / c["rows_per_s"]
            for a, c in zip(samples["warroom"], samples["raw-pg"], strict=True)
            if c["rows_per_s"]
        ]
        paired = summary(pairs)
        r = paired["median"] if paired else None
        errors = sum(s["errors"] for s in samples["warroom"] + samples["raw-pg"])
        if errors:
            ctx.errors.append(f"postgresql write throughput: {errors} writes failed")
        rows.append(
            {
                "key": "pg_throughput",
                "figure": f"6 PostgreSQL writes, {p.writers} processes",
                "unit": "rows/s",
                "warroom": summary([s["rows_per_s"] for s in samples["warroom"]]),
                "baseline": summary([s["rows_per_s"] for s in samples["raw-pg"]]),
                "baseline_is": "raw psycopg: BEGIN + advisory lock + 1 row + NOTIFY + COMMIT",
                "ratio": r,
                "target": "ratio >= 0.5",
                "status": judge(r, ">=", 0.5),
                "detail": {
                    "rows_per_process": p.writer_rows,
                    "errors": errors,
                    "paired_ratios": pairs,
                },
                "note": f"PostgreSQL write ratio = median of {len(pairs)} round pairs"
                + (f" [{paired['min']:.2f}–{paired['max']:.2f}]" if paired else ""),
            }  # fmt: skip
        )
    finally:
        server.close()
    return rows


# ------------------------------------------- 12: a database far away
ACTIONS = ("store-open", "open", "tick", "note", "chooser", "assign", "publish", "cli-note")


def _ok(samples: list[dict], key: str, **match) -> list[float]:
    return [
        s[key]
        for s in samples
        if s.get("ok") and key in s and all(s.get(k) == v for k, v in match.items())
    ]


def _round_trips(
    res: dict, actions: int, cli_reps: int, chooser_openings: int = 1
) -> dict[str, dict]:
    """Round trips per action (the proxy's turnarounds over the actions done),
    and the statements of one action, in order."""
    from bench.delay_proxy import summarise

    out = {}
    for action in ACTIONS:
        seg = res.get("round_trips", {}).get(action)
        count = {"store-open": 1, "open": 1, "cli-note": cli_reps,
                 "chooser": actions * chooser_openings}.get(action, actions)  # fmt: skip
        if not seg:
            out[action] = {"per_action": 0.0, "statements": []}
            continue
        lines = summarise(seg["turns"])
        per = seg["round_trips"] / count
        out[action] = {
            "per_action": per,
            "connections": seg["connections"],
            "statements": lines[: max(1, round(per))],
        }
    return out


def latency_rows(ctx: Ctx) -> list[dict]:
    """The war room and the CLI with the database 0, 20, 60 and 150 ms away
    (the delaying proxy in front of the bench's PostgreSQL), each against the
    0 ms run; then SQLite with its write lock held by another process."""
    p = ctx.params
    rtts = p.latency_rtts
    cfg = {"actions": p.latency_actions, "echo_keys": p.latency_echo_keys,
           "chooser_openings": p.latency_chooser_openings}  # fmt: skip
    ctx.log(f"far database: round trips of {', '.join(f'{r} ms' for r in rtts)} through a proxy")
    server = pg_server(ctx)
    runs: dict[int, dict] = {}
    urls: dict[str, str] = {}
    try:
        for rtt in rtts:
            url = urls[str(rtt)] = _pg_incident(ctx, server)
            ctx.log(f"far database: {rtt} ms round trip")
            runs[rtt] = run_child(
                ctx, "latency", {**cfg, "db": url, "rtt_ms": rtt, "tag": f"r{rtt}"}, timeout=900
            )
        # The command line at every distance in turn: a fresh process each
        # time, whose wall time a busy spell moves; taken in turn, every
        # distance and its 0 ms baseline share the spell.
        ctx.log(f"far database: warroom note, {p.latency_cli_reps} a distance, in turn")
        cli = run_child(
            ctx, "cli-notes",
            {"rtts": list(rtts), "dbs": urls, "reps": p.latency_cli_reps,
             "iids": {str(r): runs[r]["iid"] for r in rtts}},
            timeout=900,
        )  # fmt: skip
        for rtt in rtts:
            runs[rtt]["cli_note"] = cli[str(rtt)]["cli_note"]
            cli_trips = cli[str(rtt)]["round_trips"].get("cli-note")
            if cli_trips:
                runs[rtt].setdefault("round_trips", {})["cli-note"] = cli_trips
    finally:
        server.close()
    db = scratch_copy(ctx, p.large, "latency")
    ctx.log(f"SQLite with its write lock held {p.latency_lock_seconds:g}s by another process")
    local = run_child(
        ctx, "latency",
        {**cfg, "db": str(db), "tag": "sq", "lock_seconds": p.latency_lock_seconds},
        timeout=900,
    )  # fmt: skip

    base = runs[0]
    frame = base["frame"]
    rows: list[dict] = []
    b_echo = pct_summary(_ok(base["echo"], "painted"), 50)
    b_tick = pct_summary(_ok(base["tick"], "landed"), 50)
    b_cli = summary(base["cli_note"])
    for rtt in rtts[1:]:
        res = runs[rtt]
        rt = rtt / 1000
        in_flight = _ok(res["echo"], "painted", in_flight=True)
        w = pct_summary(in_flight, 50)
        echo_limit = b_echo["median"] + frame if b_echo else 0
        rows.append({
            "key": f"latency_echo_{rtt}",
            "figure": f"12 {rtt} ms away: key echo, a write in flight, p50",
            "unit": "ms", "warroom": w, "baseline": b_echo,
            "baseline_is": "the same keys with the database 0 ms away (through the proxy)",
            "ratio": ratio(w, b_echo),
            "target": f"<= 0 ms + 1 frame ({_ms1(echo_limit)})",
            "status": judge(w and w["median"], "<=", echo_limit),
            "detail": {"p95": pct_summary(in_flight, 95), "keys": len(res["echo"]),
                       "typed_while_in_flight": len(in_flight), "frame_s": frame},
        })  # fmt: skip
        w = pct_summary(_ok(res["tick"], "landed"), 50)
        limit = b_tick["median"] + rt + 0.020 if b_tick else 0
        rows.append({
            "key": f"latency_tick_{rtt}",
            "figure": f"12 {rtt} ms away: tick → shown as committed, p50",
            "unit": "ms", "warroom": w, "baseline": b_tick,
            "baseline_is": "the same ticks 0 ms away",
            "ratio": ratio(w, b_tick),
            "target": f"<= 0 ms + 1 RT + 20 ms ({_ms1(limit)})",
            "status": judge(w and w["median"], "<=", limit),
            "detail": {"painted_p50": pct_summary(_ok(res["tick"], "painted"), 50)},
        })  # fmt: skip
        w = pct_summary(_ok(res["note"], "painted"), 50)
        b = pct_summary(_ok(base["note"], "painted"), 50)
        rows.append({
            "key": f"latency_note_shown_{rtt}",
            "figure": f"12 {rtt} ms away: note → in the timeline, p50",
            "unit": "ms", "warroom": w, "baseline": b,
            "baseline_is": "the same notes 0 ms away",
            "ratio": ratio(w, b), "target": "info", "status": "info",
            "detail": {"landed_p50": pct_summary(_ok(res["note"], "landed"), 50)},
        })  # fmt: skip
        w = pct_summary(_ok(res["chooser"], "painted"), 50)
        b = pct_summary(_ok(base["chooser"], "painted"), 50)
        limit = b["median"] + frame if b else 0
        rows.append({
            "key": f"latency_chooser_{rtt}",
            "figure": f"12 {rtt} ms away: hand-off chooser shown, p50",
            "unit": "ms", "warroom": w, "baseline": b,
            "baseline_is": "the same chooser 0 ms away",
            "ratio": ratio(w, b),
            "target": f"<= 0 ms + 1 frame ({_ms1(limit)})",
            "status": judge(w and w["median"], "<=", limit),
        })  # fmt: skip
        w, b = summary([res["open"]]), summary([base["open"]])
        rows.append({
            "key": f"latency_open_{rtt}",
            "figure": f"12 {rtt} ms away: war room open (store open → room shown)",
            "unit": "ms", "warroom": w, "baseline": b,
            "baseline_is": "the same 0 ms away",
            "ratio": ratio(w, b), "target": "info", "status": "info",
        })  # fmt: skip
        w = summary(res["cli_note"])
        limit = b_cli["median"] + 4 * rt if b_cli else 0
        rows.append({
            "key": f"latency_cli_note_{rtt}",
            "figure": f"12 {rtt} ms away: warroom note (command line), wall",
            "unit": "ms", "warroom": w, "baseline": b_cli,
            "baseline_is": "the same command 0 ms away",
            "ratio": ratio(w, b_cli),
            "target": f"<= 0 ms + 4 RT ({_ms1(limit)})",
            "status": judge(w and w["median"], "<=", limit),
        })  # fmt: skip

    trips = {rtt: _round_trips(res, p.latency_actions, p.latency_cli_reps,
                               p.latency_chooser_openings)
             for rtt, res in runs.items()}  # fmt: skip
    far = rtts[-1]
    for action in ACTIONS:
        counts = [trips[rtt][action]["per_action"] for rtt in rtts]
        w = summary(counts)
        rows.append({
            "key": f"latency_round_trips_{action.replace('-', '_')}",
            "figure": f"12 round trips: {action.replace('-', ' ')} (PostgreSQL)",
            "unit": "RT", "warroom": w, "baseline": None,
            "baseline_is": "none: counted at the proxy (client sends, then waits for the answer)",
            "ratio": None, "target": "info", "status": "info",
            "detail": {"by_rtt": {str(r): trips[r][action] for r in rtts}},
            "note": f"round trips of one {action} at {far} ms: "
            + " | ".join(trips[far][action]["statements"]),
        })  # fmt: skip

    lock = local.get("lock_tick", {})
    seconds = p.latency_lock_seconds
    lw = pct_summary(_ok(local["locked"], "painted"), 50)
    lb = pct_summary(_ok(local["echo"], "painted"), 50)
    limit = lb["median"] + frame if lb else 0
    rows.append({
        "key": "latency_sqlite_locked_echo",
        "figure": f"12 SQLite, lock held {seconds:g} s: key echo, p50",
        "unit": "ms", "warroom": lw, "baseline": lb,
        "baseline_is": "the same keys on SQLite, no lock held",
        "ratio": ratio(lw, lb),
        "target": f"<= unlocked + 1 frame ({_ms1(limit)})",
        "status": judge(lw and lw["median"], "<=", limit),
        "detail": {"p95": pct_summary(_ok(local["locked"], "painted"), 95)},
    })  # fmt: skip
    drawn = summary([lock["painted"]]) if lock.get("ok") else None
    tb = pct_summary(_ok(local["tick"], "painted"), 50)
    limit = tb["median"] + frame if tb else 0
    rows.append({
        "key": "latency_sqlite_locked_tick",
        "figure": f"12 SQLite, lock held {seconds:g} s: tick drawn",
        "unit": "ms", "warroom": drawn, "baseline": tb,
        "baseline_is": "ticks drawn on SQLite, no lock held (p50)",
        "ratio": ratio(drawn, tb),
        "target": f"<= unlocked + 1 frame ({_ms1(limit)})",
        "status": judge(drawn and drawn["median"], "<=", limit),
    })  # fmt: skip
    said = summary([lock["said"]]) if "said" in lock else None
    rows.append({
        "key": "latency_sqlite_locked_said",
        "figure": f"12 SQLite, lock held {seconds:g} s: header says queued",
        "unit": "ms", "warroom": said, "baseline": None,
        "baseline_is": "none: 'WAITING FOR DATABASE (1 queued)' on screen, from the key",
        "ratio": None, "target": "<= 1 s", "status": judge(said and said["median"], "<=", 1.0),
    })  # fmt: skip
    landed = summary([lock["landed"]]) if "landed" in lock else None
    left = lock.get("lock_left")
    rows.append({
        "key": "latency_sqlite_locked_landed",
        "figure": f"12 SQLite, lock held {seconds:g} s: tick landed",
        "unit": "ms", "warroom": landed, "baseline": summary([left]) if left else None,
        "baseline_is": "how long the lock was still held after the key",
        "ratio": ratio(landed, summary([left]) if left else None),
        "target": "info (lock left + retry 0.5 s)", "status": "info",
    })  # fmt: skip
    return rows


def _ms1(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
