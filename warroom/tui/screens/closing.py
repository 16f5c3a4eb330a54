"""Closing, reopening and exporting an incident, from the war room or the retro.

Each flow asks with a modal, then writes through the app (which shows any
store error as a message and redraws every screen from what the store holds)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from warroom.core.errors import UsageError, WarroomError
from warroom.core.timefmt import parse_time, typed_zone, zone_label
from warroom.formats.atomic import write_atomic
from warroom.formats.export import render_export
from warroom.services.writes import Close, DraftClosedAnnouncement, Reopen
from warroom.tui.screens.modals import ChoiceModal, ConfirmModal, TextPrompt, refused_read_only
from warroom.tui.widgets.common import lit, lit_block
from warroom.tui.widgets.reads import read_then
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()

# Roles whose absence is worth a word before closing (when the policy has them).
WARN_ROLES = ("Lead", "Scribe")

# What the export dialog offers: label -> (format, public).
EXPORT_CHOICES = {
    "Markdown (retro document)": ("md", False),
    "JSON (everything, for tools)": ("json", False),
    "CSV (the action items, for a ticketing system)": ("csv", False),
    "Public Markdown (only what was published)": ("md", True),
}


class ClosePrompt(TextPrompt):
    """TextPrompt with warnings above the input (worth knowing, not blocking) and
    a second input for when it closed. Dismisses with (summary, time)."""

    DEFAULT_CSS = """
    ClosePrompt .warning { color: $warning; width: 1fr; }
    ClosePrompt #warnings { height: auto; margin-bottom: 1; }
    """

    def __init__(self, title: str, warnings: list[str], hint: str = "", zone: str = ""):
        super().__init__(title, hint=hint)
        self.warnings = warnings
        zone = f" {zone}" if zone else ""
        self.at_hint = f"closed at (empty: now), e.g. 14:05{zone} or 20m ago"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(lit(self.title_text, "bold"), classes="prompt")
            if self.warnings:
                with Vertical(id="warnings"):
                    for warning in self.warnings:
                        yield Label(lit_block(f"▲ {warning}"), classes="warning")
            yield Input(self.value, placeholder="e.g. rolled back the bad release", id="text")
            yield Input(placeholder=self.at_hint, id="at")
            yield Label(lit(f"{self.hint} · enter: close · escape: cancel"), classes="hint")

    def submit(self, value: str) -> None:
        self.dismiss((self.query_one("#text", Input).value, self.query_one("#at", Input).value))


def close_warnings(policy, board) -> list[str]:
    """What is unusual about closing now: unheld key roles, no update ever sent."""
    warnings = [
        f"No {role} is assigned."
        for role in WARN_ROLES
        if role in policy.roles and not board.holders(role)
    ]
    if board.incident.last_update_at is None:
        warnings.append("No update was ever published to stakeholders.")
    return warnings


def close_flow(screen) -> None:
    """Ask for a resolution summary, close, and draft the 'closed' announcement.
    The board is read on the database worker first (after the writes typed
    before): the keys typed meanwhile, the summary, are for the prompt."""
    if refused_read_only(screen.app):
        return
    incident_id = screen.incident_id
    read_then(
        screen,
        lambda store: store.board(incident_id),
        lambda board: _ask_close(screen, board),
        "the incident to close",
        hold=True,
    )


def _ask_close(screen, board) -> None:
    app = screen.app
    incident_id = screen.incident_id

    def done(answer: tuple[str, str] | None) -> None:
        if answer is None:
            return
        summary, when = answer
        if not summary.strip():
            app.notify(
                "Closing needs a short resolution summary; nothing changed.", severity="warning"
            )
            return
        app.flush_typing()  # the communicator's typing reaches the store before it is replaced
        typed_at = app.clock()  # a close queued behind a busy database keeps this time

        def close():
            at = typed_at
            if when.strip() and when.strip() != "now":
                at = parse_time(when, typed_at, "close", typed_zone(app.utc))
            return Close(incident_id, summary, at)

        app.write_from(close, on_done=closed)

    def closed(incident) -> None:
        """Closed: the communicator's next message is the 'incident closed' one
        (the rule the CLI's close follows too), drafted as a second write so a
        busy database queues it behind the close."""
        app.write(
            DraftClosedAnnouncement(incident_id, app.clock()),
            on_conflict=lambda conflict: app.notify(str(conflict), severity="warning"),
            replaces=("draft", incident_id),
        )
        app.notify(
            f"Incident #{incident_id} closed. The 'incident closed' announcement is "
            "drafted for the communicator (panel 5: ctrl+o publishes it).",
            timeout=8,
        )

    app.push_screen(
        ClosePrompt(
            f"Close incident #{incident_id}: how was it resolved?",
            close_warnings(app.policy, board),
            hint=f"one line; the time in {zone_label(app.utc, app.clock())}",
            zone=zone_label(app.utc, app.clock()),
        ),
        done,
    )


def reopen_flow(screen) -> None:
    """Confirm, ask for an optional reason, reopen. Nothing is deleted."""
    if refused_read_only(screen.app):
        return
    app = screen.app
    incident_id = screen.incident_id

    def reason_given(reason: str | None) -> None:
        if reason is None:
            app.notify("Not reopened.", severity="information")
            return

        def reopened(_) -> None:
            app.notify(f"Incident #{incident_id} reopened; its clocks run again.")

        app.write(Reopen(incident_id, reason), on_done=reopened)

    def confirmed(yes: bool | None) -> None:
        if yes:
            app.push_screen(
                TextPrompt(
                    f"Why is #{incident_id} being reopened?",
                    hint="optional: enter with nothing gives no reason",
                ),
                reason_given,
            )

    app.push_screen(
        ConfirmModal(
            f"Reopen incident #{incident_id}?",
            "Its timeline, roles, retro and resolution are all kept; nothing is deleted.",
        ),
        confirmed,
    )


def export_path(incident_id: int, fmt: str, public: bool) -> Path:
    suffix = "-public" if public else ""
    return Path.cwd() / f"incident-{incident_id}{suffix}.{fmt}"


def export_flow(screen, incident_id: int) -> None:
    """Pick a format, write incident-<id>.<ext> here; ask before overwriting."""
    app = screen.app

    def write(path: Path, fmt: str, public: bool, force: bool) -> None:
        app.flush_typing()  # what was typed a moment ago belongs in the document
        # Read on the database worker, behind those writes (it reads them);
        # the keys typed meanwhile are for what comes next (an overwrite's question).
        read_then(
            screen,
            lambda store: store.bundle(incident_id),
            lambda bundle: render(bundle, path, fmt, public, force),
            "the incident to export",
            hold=True,
            failed=unreadable,
        )

    def unreadable(exc: BaseException) -> None:
        app.notify(f"Export failed: {exc}", severity="error", timeout=10)

    def render(bundle, path: Path, fmt: str, public: bool, force: bool) -> None:
        try:
            text = render_export(bundle, app.policy, fmt, public, app.clock())
            written = write_atomic(path, text, force=force)
        except UsageError as exc:
            if not force and os.path.lexists(path) and not path.is_dir():
                ask_overwrite(path, fmt, public)
            else:
                app.notify(f"Export failed: {exc}", severity="error", timeout=10)
            return
        except (WarroomError, OSError) as exc:
            app.notify(f"Export failed: {exc}", severity="error", timeout=10)
            return
        except NotImplementedError:
            app.notify("Export is not available in this build yet.", severity="error")
            return
        app.notify(f"Exported to {Path(written).resolve()}", timeout=10)

    def ask_overwrite(path: Path, fmt: str, public: bool) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                write(path, fmt, public, force=True)
            else:
                app.notify(f"Not exported: {path.name} was left as it was.")

        app.push_screen(
            ConfirmModal(f"{path.name} already exists here. Overwrite it?", str(path)), done
        )

    def chosen(label: str | None) -> None:
        if label is None:
            return
        fmt, public = EXPORT_CHOICES[label]
        write(export_path(incident_id, fmt, public), fmt, public, force=False)

    app.push_screen(ChoiceModal(f"Export incident #{incident_id} as", list(EXPORT_CHOICES)), chosen)
