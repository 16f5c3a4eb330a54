"""Closing, reopening and exporting an incident from the war room."""

from __future__ import annotations


def close_flow(screen) -> None:
    screen.app.notify("Closing is being written", severity="warning")


def reopen_flow(screen) -> None:
    screen.app.notify("Reopening is being written", severity="warning")


def export_flow(screen, incident_id: int) -> None:
    screen.app.notify("Export is being written", severity="warning")
