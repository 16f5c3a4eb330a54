"""A proposal arrives live in an open TUI (posted over a real socket to the
receiver, written by its own connection) and a person decides with keys."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp import web
from keyburst import settle
from textual.widgets import DataTable

from warroom.intake.server import Receiver
from warroom.tui.screens.incidents import IncidentsScreen

TOKEN = b"ui-test-token-0123456789abcdef"


def payload(fp: str, group: str, severity: str = "critical", summary: str = "") -> dict:
    return {
        "version": "4",
        "groupKey": group,
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://am",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighLatency", "severity": severity, "service": "api"},
                "annotations": {"summary": summary or f"p99 latency over 2s ({fp})"},
                "startsAt": "2026-11-28T08:40:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prom/graph",
                "fingerprint": fp,
            }
        ],
    }


@pytest.fixture
async def receiver(store):
    receiver = Receiver(store, TOKEN, log=lambda line: None)
    runner = web.AppRunner(receiver.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def send(base: str, body: dict) -> int:
    headers = {"Authorization": f"Bearer {TOKEN.decode()}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(base + "/v1/alertmanager", data=json.dumps(body), headers=headers) as r,
    ):
        return r.status


async def shown(app, pilot, rows: int) -> DataTable:
    """Until the Proposed section shows `rows` rows (a guard, not a timing)."""
    deadline = time.monotonic() + 60
    while True:
        table = app.screen.query_one("#proposals", DataTable)
        if table.row_count == rows and (rows == 0 or table.display):
            return table
        assert time.monotonic() < deadline, f"{table.row_count} proposals shown, not {rows}"
        await asyncio.sleep(0.05)
        await pilot.pause()


async def test_a_proposal_arrives_live_and_is_accepted_with_a_key(app_factory, store, receiver):
    app = app_factory()
    async with app.run_test(size=(140, 30)) as pilot:
        assert isinstance(app.screen, IncidentsScreen)
        assert not app.screen.query_one("#proposals", DataTable).display
        assert await send(receiver, payload("f1", "g1", summary="\x1b[2J wipe")) == 202
        table = await shown(app, pilot, 1)
        title = str(app.screen.query_one("#proposed-title").render())
        assert "Proposed by monitoring (1)" in title
        # What the sender wrote reaches the screen only through text.py.
        cells = " ".join(str(c) for c in table.get_row_at(0))
        assert "\x1b" not in cells and "␛[2J wipe" in cells and "service=api" in cells
        await pilot.press("a")
        await settle(app, pilot)
        await shown(app, pilot, 0)
    [incident] = store.list_incidents()
    assert incident.priority == "P1" and incident.reported_at.isoformat().startswith(
        "2026-11-28T08:40"
    )
    assert [e.kind for e in store.timeline(incident.id)] == ["system", "evidence"]


async def test_decline_with_a_reason_and_merge_with_keys(app_factory, store, receiver):
    app = app_factory()
    async with app.run_test(size=(140, 30)) as pilot:
        await send(receiver, payload("f1", "g1"))
        await send(receiver, payload("f2", "g2", severity="warning"))
        await shown(app, pilot, 2)
        await pilot.press("x")
        await pilot.press(*"flaky probe", "enter")
        await settle(app, pilot)
        await shown(app, pilot, 1)
        await pilot.press("a")  # g2 (warning) is declared P2
        await settle(app, pilot)
        await shown(app, pilot, 0)
        await send(receiver, payload("f3", "g3"))
        await shown(app, pilot, 1)
        await pilot.press("m", "1")  # the first (only) open incident
        await settle(app, pilot)
        await shown(app, pilot, 0)
    declined, accepted, merged = store.proposals(None)
    assert (declined.status, declined.reason) == ("declined", "flaky probe")
    assert (accepted.status, merged.status) == ("accepted", "merged")
    assert merged.incident_id == accepted.incident_id
    assert store.get_incident(accepted.incident_id).priority == "P2"


async def test_the_report_screen_shows_the_noise_figure(app_factory, store, clock):
    """The TUI report says what monitoring proposed, as the CLI's does; with
    nothing proposed it says nothing of it."""
    from warroom.intake.mappers import map_alertmanager

    def ingest(fp: str, group: str) -> None:
        doc = payload(fp, group)
        store.ingest_alerts(map_alertmanager(doc, store.clock()), store.policy.refire_window)

    store.declare("Quiet")
    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("escape", "r")
        await settle(app, pilot)
        body = " ".join(str(w.render()) for w in app.screen.query("#report-body Static"))
        assert "Noise" not in body
        await pilot.press("escape")
        ingest("n1", "flaky")
        store.decline_proposal(1, "flaky disk check")
        await pilot.press("r")
        await settle(app, pilot)
        body = " ".join(str(w.render()) for w in app.screen.query("#report-body Static"))
        assert "Noise: 1 proposal declined" in body
