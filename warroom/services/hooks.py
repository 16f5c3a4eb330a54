"""The publish hook: a team's own command that posts a published update onwards.

The update text goes to the command's stdin and incident fields go in
environment variables. The command is run directly, never through a shell, so
no user text is ever interpolated into a command line.

It runs in a session (and process group) of its own: on a timeout the whole
group is killed, its children too. Its stdin and stderr are files, not pipes:
once the command itself has exited, a child it left running (a background
upload) holds nothing up."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile

from warroom.core.model import Incident, TimelineEntry
from warroom.core.policy import Policy
from warroom.core.public import public_title
from warroom.core.record import record
from warroom.core.text import one_line


@record
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


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the group is its id
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_publish_hook(
    command: tuple[str, ...], text: str, incident: Incident, entry: TimelineEntry, timeout: float
) -> HookResult:
    name = os.path.basename(command[0])
    try:
        return _run(command, name, text, incident, entry, timeout)
    except OSError as exc:  # no room for the input and error files (a full /tmp)
        return HookResult(False, f"publish hook {name}: {exc.strerror or exc}")


def _run(
    command: tuple[str, ...],
    name: str,
    text: str,
    incident: Incident,
    entry: TimelineEntry,
    timeout: float,
) -> HookResult:
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as errors:
        given.write(text.encode("utf-8"))  # the update, on the hook's stdin
        given.seek(0)
        try:
            proc = subprocess.Popen(
                list(command),
                stdin=given,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env=hook_env(incident, entry),
                shell=False,
                start_new_session=True,
            )
        except FileNotFoundError:
            return HookResult(False, f"publish hook {name}: command not found")
        except PermissionError:
            return HookResult(False, f"publish hook {name}: not executable")
        except OSError as exc:
            return HookResult(False, f"publish hook {name}: {exc.strerror}")
        except ValueError as exc:  # a NUL in an argument: refused before anything ran
            return HookResult(False, f"publish hook {name}: {exc}")
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return HookResult(False, f"publish hook {name}: timed out after {timeout:g}s")
        except BaseException:
            _kill_group(proc)
            raise
        if returncode != 0:
            errors.seek(0, os.SEEK_END)
            errors.seek(max(0, errors.tell() - 4096))
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            tail = lines[-1:] or [""]
            detail = f": {one_line(tail[0][:200])}" if tail[0] else ""
            return HookResult(False, f"publish hook {name} failed (exit {returncode}){detail}")
    return HookResult(True, f"publish hook {name} sent the update")
