"""The `warroom` command holds off garbage collection while its modules are
imported (they allocate what lives as long as the process), and a verb runs
with collection on again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

PROBE = """
import gc, json, sys
from importlib.metadata import entry_points

passes = []
calling = False

def seen(phase, info):
    if phase == "start" and calling:
        commands = sys.modules.get("warroom.cli.commands")
        passes.append(commands is None or not hasattr(commands, "main"))

gc.callbacks.append(seen)
[script] = entry_points(group="console_scripts", name="warroom")
calling = True  # from here to commands.main: the command's own imports
main = script.load()
sys.argv = ["warroom", "--db", sys.argv[1], "list"]
code = main()
gc.collect()  # a pass once the verb ran: collection is there to be had
print(json.dumps({"code": code, "during_imports": sum(passes[:-1]), "enabled": gc.isenabled()}))
"""


def test_the_command_imports_its_modules_without_collector_passes(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WARROOM_USER": "probe"}
    env.pop("PYTHONGC", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "probe.db")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["code"] == 0
    assert said["during_imports"] == 0, said  # no pass while commands was being imported
    assert said["enabled"]  # the verb itself runs with collection on


WAR_ROOM_PROBE = """
import gc, json, sys
from textual.app import App

passes = []


def seen(phase, info):
    if phase == "start" and "warroom.tui.app" not in sys.modules:
        passes.append(info["generation"])


App.run = lambda self, *args, **kwargs: None  # what comes before the war room is looked at
from warroom.cli.entry import main

sys.argv = ["warroom"]
gc.callbacks.append(seen)
code = main()
print(json.dumps({"code": code, "passes": passes}))
"""


def test_the_war_room_starts_without_a_collector_pass_before_its_modules_are_in(tmp_path):
    """`warroom` alone: collection stays off from the command's imports to
    the war room's (run_tui holds it off until the first frame). Turned on
    between them, the next allocation set off a pass over every object the
    imports had made (~1 ms of every start, bench figure 11)."""
    from warroom.core.policy import default_policy
    from warroom.store import Store

    db = tmp_path / "room.db"
    store = Store.open(db, default_policy(), "probe")
    store.declare("Checkout down", "regression", "P1")
    store.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WARROOM_USER": "probe", "WARROOM_DB": str(db)}
    env.pop("PYTHONGC", None)
    done = subprocess.run(
        [sys.executable, "-c", WAR_ROOM_PROBE],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said == {"code": 0, "passes": []}


ANNOTATIONS_PROBE = """
import json, sys, typing

made = []
init = typing.ForwardRef.__init__


MACHINERY = ("typing", "typing_extensions", "dataclasses", "collections", "functools", "abc")


def counting(self, arg, *args, **kwargs):
    frame = sys._getframe(1)  # the module whose code asked, past typing's own
    while frame is not None and (
        frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen"))
        or frame.f_globals.get("__name__", "") in MACHINERY
    ):
        frame = frame.f_back
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    if name.startswith("warroom."):
        made.append(f"{name}:{frame.f_lineno}: {arg}")
    init(self, arg, *args, **kwargs)


typing.ForwardRef.__init__ = counting
import warroom.cli.commands, warroom.cli.context, warroom.services.config
import warroom.tui.first_read, warroom.tui.app
print(json.dumps(made))
"""


def test_the_war_room_s_modules_compile_no_annotation_at_import():
    """typing compiles each annotation it is given as a string (a
    NamedTuple's fields under `from __future__ import annotations`, a
    TypeVar bound by name): ~1 ms of every start, for the war room's read
    alone. The modules `warroom` imports before its first frame give it none."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", ANNOTATIONS_PROBE],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
