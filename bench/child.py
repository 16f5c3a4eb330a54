"""The measuring processes: `python -m bench.child MODE CONFIG_JSON OUT_JSON`.

Each mode runs in a fresh interpreter started by bench.figures and writes its
raw measurements to OUT_JSON (or, for the worker modes, talks over stdin/stdout).
Times are CLOCK_MONOTONIC, which is shared by every process on the host, so a
parent and its children can compare time stamps directly."""

from __future__ import annotations

import time

T_MAIN = time.monotonic()  # first thing: the interpreter and `-m` machinery are done

from warroom.tui import textual_env  # noqa: E402

textual_env.apply()  # as the warroom command does: both apps run under the same settings

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

monotonic = time.monotonic


def _db(name: str):
    """A database the figures name: a file, or a postgresql:// URL as it is."""
    return name if name.startswith("postgresql://") else Path(name)


def _poll(store) -> dict:
    """The TUI's poll interval for this engine, as `warroom` itself starts it."""
    return {} if store.poll_seconds is None else {"poll_seconds": store.poll_seconds}


def _probed(app):
    """app, measured by a FrameProbe. The probe's driver is not headless (so
    Textual encodes each frame); the war room opens whole, in one frame, as in
    a terminal."""
    from bench.probe import FrameProbe

    return FrameProbe(app)


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ------------------------------------------------- start-up, memory, idle
def mode_app(cfg: dict) -> dict:
    """Run an app headless until its first full paint; optionally stay idle a while."""
    kind = cfg["kind"]
    idle = float(cfg.get("idle", 0))
    if kind == "warroom":
        from bench.probe import SIZE, FrameProbe, footer_ready
        from warroom.core.policy import default_policy
        from warroom.store import Store
        from warroom.tui.app import make_app
        from warroom.tui.screens.warroom import WarRoomScreen

        t_imported = monotonic()
        policy = default_policy()
        store = Store.open(_db(cfg["db"]), policy, "bench")
        t_store = monotonic()
        app = make_app(store, policy, **_poll(store))

        def ready(screen) -> bool:
            return (
                isinstance(screen, WarRoomScreen)
                and screen.board is not None
                and footer_ready(screen)
            )

    else:
        from bench.probe import SIZE, FrameProbe, MinimalApp, footer_ready

        t_imported = monotonic()
        t_store = t_imported
        app = MinimalApp()

        def ready(screen) -> bool:
            return screen is app.screen and footer_ready(screen)

    t_built = monotonic()
    probe = _probed(app) if kind == "warroom" else FrameProbe(app)
    out: dict = {
        "t_main": T_MAIN,
        "t_imported": t_imported,
        "t_store": t_store,
        "t_built": t_built,
    }

    def finish() -> None:
        out["t_end"] = monotonic()
        out["cpu_end"] = _cpu()
        out["frames_end"] = probe.frames
        out["bytes_end"] = probe.bytes
        app.exit()

    def start_idle() -> None:
        out["t_idle"] = monotonic()
        out["cpu_idle"] = _cpu()
        out["frames_idle"] = probe.frames
        out["bytes_idle"] = probe.bytes
        asyncio.get_running_loop().call_later(idle, finish)

    def painted(at: float) -> None:
        out["t_paint"] = at
        out["t_settled"] = monotonic()
        out["cpu_paint"] = _cpu()
        out["frames_paint"] = probe.frames
        out["bytes_paint"] = probe.bytes
        out["screen"] = type(app.screen).__name__
        out["maxrss_kib_paint"] = _maxrss_kib()
        if idle > 0:
            # The idle window opens after a short warm-up (settling after the first
            # paint is reported apart), then runs `idle` seconds.
            asyncio.get_running_loop().call_later(float(cfg.get("warmup", 0)), start_idle)
        else:
            app.exit()

    probe.on_first_full_paint(ready, painted)
    app.run(headless=False, size=SIZE)  # on the probe's driver
    out["maxrss_kib"] = _maxrss_kib()
    if "t_paint" not in out:
        raise RuntimeError(f"{kind}: the app exited before its first full paint")
    return out


# ------------------------------------------------------------ key latency
class _Timeout(Exception):
    pass


async def _until(predicate, timeout: float = 5.0, step: float = 0.002) -> None:
    deadline = monotonic() + timeout
    while not predicate():
        if monotonic() > deadline:
            raise _Timeout
        await asyncio.sleep(step)


def _send_key(app, key: str) -> None:
    """Deliver a key the way Pilot.press does (through the driver), without
    Pilot's waiting for the process to go idle afterwards."""
    from textual import events

    char = {"space": " ", "enter": "\r"}.get(key, key if len(key) == 1 else None)
    event = events.Key(key, char)
    event.set_sender(app)
    # Handed to the app through the event loop, as a driver's thread hands a key on.
    asyncio.get_running_loop().call_soon_threadsafe(app.post_message, event)


async def _handled(app, timeout: float = 30.0) -> None:
    """Until the app and every widget of its screen have handled the messages
    they had (as Pilot waits for the screen: a callback queued behind them)."""
    left = 0
    done = asyncio.Event()

    def one_more_done() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            done.set()

    for node in [app, *app.screen.walk_children(with_self=True)]:
        if node.call_later(one_more_done):
            left += 1
    if left:
        await asyncio.wait_for(done.wait(), timeout)


async def _settle(pilot) -> None:
    """Let the app finish what the last key started: messages, then a refresh."""
    await _handled(pilot.app)
    await asyncio.wait_for(pilot.app.screen.wait_for_refresh(), 5)


class _KeyTimer:
    """Times one key: t0 just before it is sent, then the first frame showing `needle`.

    Every `pilot_every`-th key goes through Pilot.press (to time Pilot itself);
    the others are sent the same way but without Pilot's idle-waiting. The frame
    time stamps are taken inside the app either way."""

    def __init__(self, app, pilot, probe, pilot_every: int = 4):
        self.app, self.pilot, self.probe = app, pilot, probe
        self.pilot_every = pilot_every
        self.count = 0

    async def press(self, key: str, needle: str, extra_done=lambda: True) -> dict:
        self.count += 1
        via_pilot = self.count % self.pilot_every == 0
        watcher = self.probe.watch(needle)
        cpu0 = time.process_time()
        t0 = monotonic()
        if via_pilot:
            await self.pilot.press(key)
            t_pilot = monotonic() - t0
        else:
            _send_key(self.app, key)
            t_pilot = None
        try:
            await _until(lambda: watcher.seen_at is not None and extra_done())
        except _Timeout:
            self.probe.watchers.clear()
            return {"ok": False}
        await _settle(self.pilot)
        return {
            "ok": True,
            "t0": t0,
            "painted": watcher.seen_at - t0,
            "painted_cpu": watcher.cpu_at - cpu0,
            "pilot": t_pilot,
        }


async def _bare_key_round(presses: int, seed: int) -> list[dict]:
    import random

    from textual.widgets import Input

    from bench.probe import SIZE, BareInputApp, FrameProbe

    rng = random.Random(seed)
    app = BareInputApp()
    probe = FrameProbe(app)
    samples = []
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await _settle(pilot)
        timer = _KeyTimer(app, pilot, probe)
        field = app.query_one(Input)
        for _ in range(presses):
            if len(field.value) >= 60:
                field.value = ""
                await _settle(pilot)
            char = rng.choice("abcdefghijklmnopqrstuvwxyz")
            expected = field.value + char
            sample = await timer.press(char, expected[-10:])
            sample["ok"] = sample["ok"] and field.value == expected
            sample["action"] = "type"
            samples.append(sample)
    return samples


def _stamp_commits(store_class) -> list[float]:
    """Time-stamp every commit of every Store in this process (the war room's
    database worker opens a store of its own): the list grows by the moment
    each write transaction has committed."""
    from contextlib import contextmanager

    commits: list[float] = []
    original = getattr(store_class, "bench_original_write", store_class._write)

    @contextmanager
    def _write(self, *args, **kwargs):
        with original(self, *args, **kwargs):
            yield
        commits.append(monotonic())

    store_class.bench_original_write = original
    store_class._write = _write
    return commits


async def _warroom_key_round(db: str, presses: int, tag: str) -> list[dict]:
    from bench.probe import SIZE
    from warroom.core.policy import default_policy
    from warroom.store import Store
    from warroom.tui.app import make_app
    from warroom.tui.screens.warroom import WarRoomScreen
    from warroom.tui.widgets.checklist import ChecklistList
    from warroom.tui.widgets.people import PersonChooser
    from warroom.tui.widgets.roles import RoleList
    from warroom.tui.widgets.timeline import NoteInput

    commits = _stamp_commits(Store)
    policy = default_policy()
    store = Store.open(_db(db), policy, "bench")
    checker = Store.open(_db(db), policy, "checker")  # a second connection
    iid = store.list_incidents()[0].id
    app = make_app(store, policy, **_poll(store))
    probe = _probed(app)
    samples: list[dict] = []
    actor = "bench".ljust(10) + " "  # how a timeline row goes on after the time and kind

    async def timed(key: str, needle: str, action: str, check) -> None:
        before = len(commits)
        sample = await timer.press(key, needle, lambda: len(commits) > before)
        sample["action"] = action
        if sample["ok"]:
            t_commit = commits[before]
            sample["committed"] = t_commit - sample["t0"]
            sample["painted"] = max(sample["painted"], sample["committed"])
            sample["ok"] = bool(check())  # read back through the second connection
        samples.append(sample)

    try:
        async with app.run_test(headless=False, size=SIZE) as pilot:
            await _until(lambda: isinstance(app.screen, WarRoomScreen), timeout=60)
            await _settle(pilot)
            timer = _KeyTimer(app, pilot, probe)
            screen = app.screen
            items = policy.checklist
            roles = policy.single_roles
            # In blocks, as people work (several ticks, then notes, then hand-offs):
            # focus moves between panels only twice a round.
            third = presses // 3
            plan = ["tick"] * third + ["note"] * third + ["assign"] * (presses - 2 * third)
            for n, action in enumerate(plan):
                if action == "tick":
                    olist = screen.query_one(ChecklistList)
                    if not olist.has_focus:
                        olist.focus()
                    k = n % len(items)
                    item = items[k]
                    olist.highlighted = olist.ids.index(item.id)  # rows include the headings
                    await _settle(pilot)
                    ticking = item.id not in olist.ticked
                    box = "■" if ticking else "□"
                    await timed(
                        "space",
                        f"{box} {item.id:<3}{item.text[:24]}",
                        "tick",
                        lambda i=item.id, t=ticking: checker.board(iid).checklist[i].ticked == t,
                    )
                elif action == "note":
                    field = screen.query_one(NoteInput)
                    if not field.has_focus:
                        field.focus()
                    text = f"bench note {tag}{n:04d} typed in the war room"
                    field.value = text
                    await _settle(pilot)
                    await timed(
                        "enter",
                        actor + text[:24],
                        "note",
                        lambda t=text: checker.timeline_before(iid, limit=1)[-1].text == t,
                    )
                else:
                    rlist = screen.query_one(RoleList)
                    if not rlist.has_focus:
                        rlist.focus()
                    role = roles[n % len(roles)]
                    rlist.highlighted = policy.roles.index(role)
                    await _settle(pilot)
                    _send_key(app, "enter")  # opens the person chooser (not timed)
                    await _until(lambda: getattr(app.focused, "id", None) == "person")
                    chooser = screen.query_one(PersonChooser)
                    await _settle(pilot)
                    name = f"z{tag}{n:04d}"
                    chooser.input.value = name
                    await _settle(pilot)
                    await timed(
                        "enter",
                        f"{role:<14}{name}",
                        "assign",
                        lambda r=role, p=name: checker.board(iid).holder(r) == p,
                    )
    finally:
        checker.close()
        store.close()
    return samples


def mode_keys(cfg: dict) -> dict:
    rounds = max(1, int(cfg["rounds"]))
    per_round = max(3, int(cfg["presses"]) // rounds)
    bare_per_round = max(3, int(cfg["bare_presses"]) // rounds)
    out: dict = {"bare": [], "warroom": []}

    async def main() -> None:
        for r in range(rounds):
            out["bare"] += await _bare_key_round(bare_per_round, seed=r)
            out["warroom"] += await _warroom_key_round(cfg["db"], per_round, tag=f"{r}")

    asyncio.run(main())
    return out


# ------------------------------------------------------------- propagation
async def _propagation_round(kind: str, cfg: dict, writer, first: int, trials: int) -> list:
    import random

    from bench.probe import SIZE, BarePollApp, FrameProbe

    rng = random.Random(first)
    if kind == "warroom":
        from warroom.core.policy import default_policy
        from warroom.store import Store
        from warroom.tui.app import make_app
        from warroom.tui.screens.warroom import WarRoomScreen

        policy = default_policy()
        store = Store.open(_db(cfg["db"]), policy, "bench")
        app = make_app(store, policy, **_poll(store))

        def ready() -> bool:
            return isinstance(app.screen, WarRoomScreen)

    else:
        store = None
        app = BarePollApp(cfg["db"], cfg["poll_seconds"])

        def ready() -> bool:
            return app.screen.is_mounted

    probe = _probed(app) if kind == "warroom" else FrameProbe(app)
    samples = []
    try:
        async with app.run_test(headless=False, size=SIZE) as pilot:
            await _until(ready, timeout=60)
            await pilot.pause()
            for n in range(first, first + trials):
                # A random phase against the poll interval.
                await asyncio.sleep(0.15 + rng.random() * 0.35)
                text = f"remote note {n:05d} from another process"
                watcher = probe.watch(text[:17])
                writer.stdin.write((text + "\n").encode())
                await writer.stdin.drain()
                reply = (await writer.stdout.readline()).decode().split()
                t_commit = float(reply[0])
                try:
                    await _until(lambda w=watcher: w.seen_at is not None, timeout=5)
                except _Timeout:
                    probe.watchers.clear()
                    samples.append({"ok": False})
                    continue
                samples.append({"ok": True, "shown": watcher.seen_at - t_commit})
    finally:
        if store is not None:
            store.close()
    return samples


def mode_propagate(cfg: dict) -> dict:
    from warroom.tui.app import POLL_SECONDS

    cfg.setdefault("poll_seconds", POLL_SECONDS)  # the baseline polls as often as warroom
    out: dict = {"bare": [], "warroom": [], "poll_seconds": cfg["poll_seconds"]}
    rounds = max(1, int(cfg["rounds"]))
    per_round = max(1, int(cfg["trials"]) // rounds)

    async def main() -> None:
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.child", "note-writer",
            json.dumps({"db": cfg["db"]}), "-",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            line = await asyncio.wait_for(writer.stdout.readline(), 60)
            if line.strip() != b"ready":
                raise RuntimeError(f"note writer did not start: {line!r}")
            n = 0
            for _ in range(rounds):
                if cfg.get("bare", True):
                    out["bare"] += await _propagation_round("bare", cfg, writer, n, per_round)
                n += per_round
                out["warroom"] += await _propagation_round("warroom", cfg, writer, n, per_round)
                n += per_round
        finally:
            writer.stdin.close()
            await writer.wait()

    asyncio.run(main())
    return out


def mode_note_writer(cfg: dict) -> None:
    """Long-lived second process: one note per stdin line; replies 'commit_time id'."""
    from warroom.core.policy import default_policy
    from warroom.store import Store

    store = Store.open(_db(cfg["db"]), default_policy(), "writer")
    iid = store.list_incidents()[0].id
    print("ready", flush=True)
    for line in sys.stdin:
        entry = store.add_entry(iid, line.rstrip("\n"), "evidence")
        print(f"{monotonic():.6f} {entry.id}", flush=True)
    store.close()


# ----------------------------------------------------------- write throughput
def mode_write_worker(cfg: dict) -> None:
    """One of N concurrent writers, kept alive across rounds. Prints 'ready'; then
    for every line on stdin appends `rows` entries and prints one JSON result."""
    import sqlite3
    from datetime import UTC, datetime

    rows = int(cfg["rows"])
    worker = int(cfg["worker"])
    text = "throughput row: 5xx rate back under 1% on checkout-api after the rollback"
    iid = int(cfg["iid"])
    if cfg["mode"] == "warroom":
        from warroom.core.policy import default_policy
        from warroom.store import Store

        store = Store.open(_db(cfg["db"]), default_policy(), f"writer{worker}")

        def append(i: int) -> None:
            store.add_entry(iid, f"{text} #{worker}.{i}", "note")

        close = store.close
    elif cfg["mode"] == "raw-pg":
        import psycopg

        from warroom.store.postgres import CHANNEL, LOCK_KEY

        pg = psycopg.connect(cfg["db"], autocommit=True)

        def append(i: int) -> None:
            # warroom's transaction shape, bare: the write lock, one row, NOTIFY.
            now = datetime.now(UTC).isoformat(timespec="microseconds")
            pg.execute("BEGIN")
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            pg.execute(
                "INSERT INTO timeline (incident_id, kind, text, actor, occurred_at,"
                " recorded_at, public, supersedes, data)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (iid, "note", f"{text} #{worker}.{i}", f"writer{worker}", now, now, 0, None, None),
            )
            pg.execute("SELECT pg_notify(%s, '')", (CHANNEL,))
            pg.execute("COMMIT")

        close = pg.close
    else:
        conn = sqlite3.connect(cfg["db"], timeout=5.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")

        def append(i: int) -> None:
            now = datetime.now(UTC).isoformat(timespec="microseconds")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO timeline (incident_id, kind, text, actor, occurred_at,"
                " recorded_at, public, supersedes, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (iid, "note", f"{text} #{worker}.{i}", f"writer{worker}", now, now, 0, None, None),
            )
            conn.execute("COMMIT")

        close = conn.close
    print("ready", flush=True)
    for _ in sys.stdin:
        errors = 0
        t_start = monotonic()
        for i in range(rows):
            try:
                append(i)
            except Exception:
                errors += 1
        t_end = monotonic()
        print(json.dumps({"t_start": t_start, "t_end": t_end, "rows": rows, "errors": errors}),
              flush=True)  # fmt: skip
    close()


# ------------------------------------------------------------------ export
def mode_export(cfg: dict) -> dict:
    """Export time (store.bundle + render_export) against reading the rows alone."""
    import gc
    from datetime import UTC, datetime

    from warroom.core.policy import default_policy
    from warroom.formats.export import render_export
    from warroom.store import Store

    policy = default_policy()
    store = Store.open(_db(cfg["db"]), policy, "bench")
    iid = store.list_incidents(include_closed=True)[0].id
    reps = max(1, int(cfg["reps"]))
    out: dict = {"bundle": [], "md": [], "json": [], "status": "ok", "entries": 0}
    now = datetime.now(UTC)
    perf = time.perf_counter
    for _ in range(reps):
        gc.collect()
        t = perf()
        bundle = store.bundle(iid)
        out["bundle"].append(perf() - t)
        out["entries"] = len(bundle.timeline)
        del bundle
        if out["status"] != "ok":
            continue
        for fmt in ("md", "json"):
            gc.collect()
            t = perf()
            try:
                text = render_export(store.bundle(iid), policy, fmt, False, now)
            except NotImplementedError as exc:
                out["status"] = "n/a"
                out["reason"] = f"render_export raises NotImplementedError: {exc}"
                break
            out[fmt].append(perf() - t)
            out[f"{fmt}_chars"] = len(text)
            del text
    store.close()
    return out


def mode_navigate(cfg: dict) -> dict:
    """CPU of g, G, page up and page down in the war room's timeline, from the key
    to the screen settled (the store read included), on a long timeline."""
    from warroom.core.policy import default_policy
    from warroom.store import Store
    from warroom.tui.app import make_app
    from warroom.tui.widgets.timeline import TimelineView

    policy = default_policy()
    store = Store.open(_db(cfg["db"]), policy, "bench")
    app = make_app(store, policy)
    samples: dict[str, list[float]] = {}

    async def main() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            await _until(lambda: app.screen.query(TimelineView), timeout=60)
            await pilot.press("4")
            await _settle(pilot)
            view = app.screen.query_one(TimelineView)
            # Until the key's answer is on screen: at the very first or last
            # entry for g and G (however the view reads them), moved for a page.
            done = {
                "g": lambda: view.cursor == 0 and not view.has_older,
                "G": lambda: (
                    view.cursor == len(view.entries) - 1 and not getattr(view, "has_newer", False)
                ),
            }
            for _ in range(int(cfg["rounds"])):
                for key in ("g", "pagedown", "pagedown", "G", "pageup", "pageup"):
                    cpu0 = time.process_time()
                    _send_key(app, key)
                    await _until(done.get(key, lambda: True), timeout=60)
                    await _settle(pilot)
                    await _settle(pilot)  # and what that frame asked for (the next page)
                    samples.setdefault(key, []).append(time.process_time() - cpu0)

    try:
        asyncio.run(main())
    finally:
        store.close()
    return {"samples": samples}


# ------------------------------------------------------------------ report
# The rows the cross-incident report reads, fetched with plain sqlite3.
REPORT_QUERIES = (
    "SELECT * FROM incidents ORDER BY id",
    "SELECT supersedes FROM timeline WHERE supersedes IS NOT NULL",
    "SELECT id, incident_id, occurred_at FROM timeline WHERE kind = 'update'"
    " ORDER BY occurred_at, id",
    "SELECT incident_id, owner, due, status FROM action_items ORDER BY id",
    # Runbook adherence: the tasks the report reads (Store.report_rows).
    "SELECT incident_id, runbook, status, due_at, changed_at, note FROM tasks"
    " WHERE runbook <> '' ORDER BY id",
)


def mode_report(cfg: dict) -> dict:
    """`warroom report` in-process (read, figures, JSON) against plain sqlite3
    reading the same rows, alternating, on one connection each, in CPU seconds."""
    import gc
    import sqlite3
    from datetime import UTC, datetime

    from warroom.core.policy import default_policy
    from warroom.core.report import build_report
    from warroom.formats.report_text import render_json
    from warroom.store import Store

    policy = default_policy()
    store = Store.open(_db(cfg["db"]), policy, "bench")
    raw = sqlite3.connect(cfg["db"])
    out: dict = {"report": [], "raw": [], "rows": 0}
    # CPU time of this process: both sides are CPU-bound reads of a cached file,
    # and CPU time does not count the waits that a loaded machine adds.
    perf = time.process_time
    for _ in range(max(1, int(cfg["reps"]))):
        gc.collect()
        t = perf()
        rows = 0
        for sql in REPORT_QUERIES:
            rows += len(raw.execute(sql).fetchall())
        out["raw"].append(perf() - t)
        out["rows"] = rows
        gc.collect()
        t = perf()
        render_json(build_report(policy, store.report_rows(), datetime.now(UTC)))
        out["report"].append(perf() - t)
    raw.close()
    store.close()
    return out


def mode_minimal_tty(cfg: dict) -> None:
    """The three-widget app in a real terminal (the tmux start-up baseline)."""
    from bench.probe import MinimalApp

    MinimalApp().run()


# ------------------------------------------------- 12: a database far away
def _start_proxy(target_port: int, rtt_ms: float):
    """The delaying proxy in a process of its own (its threads never wait on
    this process's interpreter lock); driven over its stdin/stdout."""
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.delay_proxy", str(target_port), str(rtt_ms)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = proc.stdout.readline().split()
    if not line or line[0] != "port":
        raise RuntimeError(f"the delaying proxy did not start: {line!r}")
    return proc, int(line[1])


def _proxy(proc, command: str) -> str:
    if proc is None:
        return "{}"
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    return proc.stdout.readline()


def _locker(db: str, seconds: float):
    """Another process that holds SQLite's write lock for `seconds`."""
    import subprocess

    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, db, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    if proc.stdout.readline().strip() != "locked":
        raise RuntimeError("the locking process did not take the lock")
    return proc


def _frame_seconds() -> float:
    """One of Textual's frame intervals, at the rate it draws (TEXTUAL_FPS)."""
    import os

    return 1 / float(os.environ.get("TEXTUAL_FPS", "60"))


def _still_for(probe, seconds: float) -> bool:
    """The app has drawn no frame for `seconds`."""
    last = probe.last_frame_at
    return last is None or monotonic() - last >= seconds


async def _latency_run(cfg: dict, db: str, proxy) -> dict:
    """One war room on `db`: open it, then ticks, notes with typing behind
    them, hand-offs and a publish, each timed and (through the proxy) counted."""
    import random

    from bench.probe import SIZE
    from warroom.core.policy import default_policy
    from warroom.services.writes import Publish
    from warroom.store import Store
    from warroom.tui.app import make_app
    from warroom.tui.screens.warroom import WarRoomScreen
    from warroom.tui.widgets.checklist import ChecklistList
    from warroom.tui.widgets.people import PersonChooser
    from warroom.tui.widgets.roles import RoleList
    from warroom.tui.widgets.timeline import NoteInput

    rng = random.Random(7)
    policy = default_policy()
    out: dict = {"tick": [], "echo": [], "note": [], "assign": [], "publish": [], "locked": [],
                 "chooser": []}  # fmt: skip
    _proxy(proxy, "mark store-open")
    t_open = monotonic()
    store = Store.open(_db(db), policy, "bench", companion=True)  # as `warroom` opens it
    iid = out["iid"] = store.list_incidents()[0].id
    # From here on, the war room opening (what the command did before it,
    # opening its store, is the row "store open").
    _proxy(proxy, "mark open")
    app = make_app(store, policy, **_poll(store))
    probe = _probed(app)
    landed: list[float] = []
    original_outcome = app._write_outcome

    def outcome(job, *args):
        original_outcome(job, *args)
        if job.envelope is not None:
            landed.append(monotonic())

    app._write_outcome = outcome  # the worker is handed it when the app mounts
    n = int(cfg["actions"])
    echo_keys = int(cfg["echo_keys"])
    frame = _frame_seconds()

    def quiet() -> bool:
        # The app's own word: every job handed back and no read-back still due
        # (a landed write's read waits for the frame that shows it).
        return app.writer is not None and app.store_settled and not app.pending

    try:
        async with app.run_test(headless=False, size=SIZE) as pilot:
            await _until(
                lambda: isinstance(app.screen, WarRoomScreen) and app.screen.board is not None,
                timeout=60,
            )
            await _until(quiet, timeout=60)
            await _settle(pilot)
            out["open"] = monotonic() - t_open
            screen = app.screen
            timer = _KeyTimer(app, pilot, probe, pilot_every=10**9)

            async def timed_write(key: str, needle: str, name: str, then=None) -> dict:
                """A key that writes: painted (shown on screen) and landed (the
                worker's answer back on the screen's loop). `then` runs at once
                after the key, before either is awaited (typing behind the write)."""
                _proxy(proxy, f"mark {name}")
                before = len(landed)
                watcher = probe.watch(needle)
                t0 = monotonic()
                _send_key(app, key)
                if then is not None:
                    await then()
                sample = {"ok": True, "t0": t0}
                try:
                    await _until(lambda: watcher.seen_at is not None, timeout=30)
                    sample["painted"] = watcher.seen_at - t0
                    await _until(lambda: len(landed) > before, timeout=30)
                    sample["landed"] = landed[before] - t0
                except _Timeout:
                    probe.watchers.clear()
                    sample["ok"] = False
                return sample

            async def rest() -> None:
                await _until(quiet, timeout=30)
                await _settle(pilot)
                _proxy(proxy, "mark idle")

            async def echo(field, locked: bool = False) -> None:
                """Characters typed straight after a write: each one's echo."""
                prefix = "qx" + "".join(rng.choice("bcdfghjk") for _ in range(4))
                if not locked:  # the note's Enter handled: the input emptied, the write handed over
                    await _until(lambda: not field.value, timeout=30)
                for _ in range(echo_keys):
                    char = rng.choice("abcdefghijklmnopqrstuvwxyz")
                    if not field.value:
                        field.value = prefix
                        field.cursor_position = len(prefix)
                    expected = field.value + char
                    in_flight = bool(app.pending)
                    sample = await timer.press(char, expected[-10:])
                    sample["ok"] = sample["ok"] and field.value == expected
                    sample["in_flight"] = in_flight
                    (out["locked"] if locked else out["echo"]).append(sample)

            items = policy.checklist
            olist = screen.query_one(ChecklistList)
            olist.focus()
            for k in range(n):
                item = items[k % len(items)]
                olist.highlighted = olist.ids.index(item.id)
                await _settle(pilot)
                box = "□" if item.id in olist.ticked else "■"
                out["tick"].append(
                    await timed_write("space", f"{box} {item.id:<3}{item.text[:24]}", "tick")
                )
                await rest()

            field = screen.query_one(NoteInput)
            field.focus()
            actor = "bench".ljust(10) + " "
            for k in range(n):
                text = f"far note {cfg['tag']}{k:03d} typed in the war room"
                field.value = text
                await _settle(pilot)
                sample = await timed_write(
                    "enter", actor + text[:24], "note", then=lambda: echo(field)
                )
                out["note"].append(sample)
                await rest()
                field.value = ""
                await _settle(pilot)

            rlist = screen.query_one(RoleList)
            roles = policy.single_roles
            # Each hand-off opens the chooser `openings` times, left with
            # escape (a name typed, thought better of) but for the last: more
            # openings than hand-offs, for a steadier median on a busy machine.
            openings = int(cfg.get("chooser_openings", 1))
            for k in range(n):
                rlist.focus()
                role = roles[k % len(roles)]
                rlist.highlighted = policy.roles.index(role)
                await _settle(pilot)
                name = f"far{cfg['tag']}{k:03d}"
                for opening in range(openings):
                    # A person presses enter on a role they have looked at, not
                    # within a frame or two of the screen's last paint. Sent at
                    # once after the frame that showed the role highlighted, the
                    # key found Textual's frame timer mid-interval: after a still
                    # spell (the read back, far away) its next slot is up to two
                    # intervals after that frame, so the chooser's frame waited
                    # for the slot (4-9 ms), which at 0 ms, frames in step, it
                    # did not (see docs/performance.md).
                    await _until(lambda: _still_for(probe, 2.5 * frame), timeout=30)
                    # Opening the chooser: to the frame showing its title.
                    _proxy(proxy, "mark chooser")
                    shown = probe.watch(f"Assign {role}")
                    t0 = monotonic()
                    _send_key(app, "enter")
                    await _until(lambda: getattr(app.focused, "id", None) == "person")
                    try:
                        await _until(lambda w=shown: w.seen_at is not None, timeout=30)
                        out["chooser"].append({"ok": True, "painted": shown.seen_at - t0})
                    except _Timeout:
                        probe.watchers.clear()
                        out["chooser"].append({"ok": False})
                    await _until(quiet, timeout=30)
                    await _settle(pilot)
                    _proxy(proxy, "mark idle")
                    chooser = screen.query_one(PersonChooser)
                    chooser.input.value = name
                    await _settle(pilot)
                    if opening < openings - 1:
                        _send_key(app, "escape")
                        await _until(lambda c=chooser: not c.visible and app.focused is rlist)
                        await _settle(pilot)
                out["assign"].append(await timed_write("enter", f"{role:<14}{name}", "assign"))
                await rest()

            for k in range(n):
                _proxy(proxy, "mark publish")
                before = len(landed)
                t0 = monotonic()
                app.write(Publish(iid, f"Update {cfg['tag']}{k}: still investigating."))
                await _until(lambda b=before: len(landed) > b, timeout=30)
                out["publish"].append({"ok": True, "landed": landed[before] - t0})
                await rest()

            if cfg.get("lock_seconds"):
                # Another process holds the write lock: a tick still draws,
                # waits in the queue and says so; typing still echoes.
                locker = _locker(db, float(cfg["lock_seconds"]))
                t_lock = monotonic()
                olist.focus()
                item = items[0]
                olist.highlighted = olist.ids.index(item.id)
                await _settle(pilot)
                box = "□" if item.id in olist.ticked else "■"
                said = probe.watch("WAITING FOR DATABASE (1 queued)")
                before = len(landed)
                sample = await timer.press("space", f"{box} {item.id:<3}{item.text[:24]}")
                field.focus()
                await _settle(pilot)
                await echo(field, locked=True)
                await _until(lambda: said.seen_at is not None, timeout=30)
                await _until(lambda: len(landed) > before, timeout=60)
                locker.wait(30)
                sample["said"] = said.seen_at - sample["t0"]
                sample["landed"] = landed[before] - sample["t0"]
                sample["lock_left"] = t_lock + float(cfg["lock_seconds"]) - sample["t0"]
                out["lock_tick"] = sample
                await rest()
    finally:
        store.close()
    return out


def mode_latency(cfg: dict) -> dict:
    """The figures of a database far away: through the delaying proxy at one
    round trip time (PostgreSQL), or on SQLite (with its lock held a while)."""
    from urllib.parse import urlsplit, urlunsplit

    db = cfg["db"]
    proxy = None
    if db.startswith("postgresql://"):
        parts = urlsplit(db)
        proxy, port = _start_proxy(parts.port, float(cfg["rtt_ms"]))
        db = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}"))
    out: dict = {"frame": _frame_seconds()}
    try:
        out.update(asyncio.run(_latency_run(cfg, db, proxy)))
        _proxy(proxy, "mark end")
        out["round_trips"] = json.loads(_proxy(proxy, "dump"))
    finally:
        if proxy is not None:
            _proxy(proxy, "quit")
            proxy.wait(30)
    return out


def _cli_note(db: str, iid: int, k: int) -> float:
    """Seconds `warroom note` takes, from launch to exit."""
    import subprocess

    warroom = str(Path(sys.executable).parent / "warroom")
    t0 = monotonic()
    done = subprocess.run(
        [warroom, "--db", db, "note", str(iid), f"script note {k}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"warroom note failed: {done.stderr.strip()[-500:]}")
    return monotonic() - t0


def mode_cli_notes(cfg: dict) -> dict:
    """`warroom note` through a delaying proxy at each round trip time, the
    distances taken in turn (each rep in a rotated order), so that a busy
    spell of the machine weighs on every distance alike; with the proxies'
    round trips of each."""
    from urllib.parse import urlsplit, urlunsplit

    runs = {str(rtt): {"cli_note": []} for rtt in cfg["rtts"]}
    proxies = {}
    try:
        for rtt in cfg["rtts"]:
            parts = urlsplit(cfg["dbs"][str(rtt)])
            proc, port = _start_proxy(parts.port, float(rtt))
            proxies[str(rtt)] = (
                proc,
                urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}")),
            )
        order = list(proxies)
        for k in range(int(cfg["reps"])):
            for name in order[k % len(order) :] + order[: k % len(order)]:
                proc, db = proxies[name]
                _proxy(proc, "mark cli-note")
                runs[name]["cli_note"].append(_cli_note(db, cfg["iids"][name], k))
                _proxy(proc, "mark idle")
        for name, (proc, _db) in proxies.items():
            runs[name]["round_trips"] = json.loads(_proxy(proc, "dump"))
    finally:
        for proc, _db in proxies.values():
            _proxy(proc, "quit")
            proc.wait(30)
    return runs


MODES = {
    "latency": mode_latency,
    "cli-notes": mode_cli_notes,
    "navigate": mode_navigate,
    "report": mode_report,
    "app": mode_app,
    "keys": mode_keys,
    "propagate": mode_propagate,
    "export": mode_export,
}
WORKERS = {
    "note-writer": mode_note_writer,
    "write-worker": mode_write_worker,
    "minimal-tty": mode_minimal_tty,
}


def main(argv: list[str]) -> int:
    mode, cfg_text, out_path = argv[1], argv[2], argv[3]
    cfg = json.loads(cfg_text)
    if mode in WORKERS:
        WORKERS[mode](cfg)
        return 0
    result = MODES[mode](cfg)
    Path(out_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
