"""The publish hook: a team's own command that posts a published update onwards.

The update text goes to the command's stdin and incident fields go in
environment variables. The command is run directly, never through a shell, so
no user text is ever interpolated into a command line."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from .model import Incident, TimelineEntry
from .policy import Policy
from .public import public_title
from .text import one_line


@dataclass(frozen=True)
class HookResult:
    ok: bool
    summary: str


def _env_value(text: str) -> str:
    return text.replace("\x00", "\ufffd")  # the environment cannot carry a NUL


def skip_reason(policy: Policy, incident: Incident) -> str | None:
    """Why the hook must not run for this incident's update, if it must not."""
    if incident.drill and not policy.drills_run_hook:
        return "publish hook skipped: a drill (the policy's drills_run_hook is false)"
    return None


def hook_env(incident: Incident, entry: TimelineEntry) -> dict[str, str]:
    fields = {
        "WARROOM_INCIDENT_ID": str(incident.id),
        "WARROOM_TITLE": incident.title,
        # What stakeholders may see it called ("" when none is set): public.py's rule.
        "WARROOM_PUBLIC_TITLE": public_title(incident),
        "WARROOM_PRIORITY": incident.priority,
        "WARROOM_CATEGORY": incident.category,
        "WARROOM_STAGE": incident.stage,
        "WARROOM_STATUS": incident.status,
        "WARROOM_PUBLISHED_BY": entry.actor,
        "WARROOM_PUBLISHED_AT": entry.recorded_at.isoformat(),
        "WARROOM_ENTRY_ID": str(entry.id),
    }
    return {**os.environ, **{k: _env_value(v) for k, v in fields.items()}}


def run_publish_hook(
    command: tuple[str, ...], text: str, incident: Incident, entry: TimelineEntry, timeout: float
) -> HookResult:
    name = os.path.basename(command[0])
    try:
        done = subprocess.run(
            list(command),
            input=text.encode("utf-8"),
            env=hook_env(incident, entry),
            capture_output=True,
            timeout=timeout,
            shell=False,
        )
    except FileNotFoundError:
        return HookResult(False, f"publish hook {name}: command not found")
    except PermissionError:
        return HookResult(False, f"publish hook {name}: not executable")
    except subprocess.TimeoutExpired:
        return HookResult(False, f"publish hook {name}: timed out after {timeout:g}s")
    except OSError as exc:
        return HookResult(False, f"publish hook {name}: {exc.strerror}")
    except ValueError as exc:  # a NUL in an argument: refused before anything ran
        return HookResult(False, f"publish hook {name}: {exc}")
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        detail = f": {one_line(tail[0][:200])}" if tail[0] else ""
        return HookResult(False, f"publish hook {name} failed (exit {done.returncode}){detail}")
    return HookResult(True, f"publish hook {name} sent the update")
