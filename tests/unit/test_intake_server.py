"""The receiver on a real socket: an in-process aiohttp server on a free
loopback port, driven by a real HTTP client with the documented payloads;
and `warroom intake serve` as a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time

import aiohttp
import pytest
from aiohttp import web
from test_intake import T1, am_alert, am_payload

from warroom.intake.limits import MAX_BODY
from warroom.intake.server import Receiver

pytestmark = pytest.mark.both_engines

TOKEN = b"s3cret-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN.decode()}"}


@pytest.fixture
async def server(store):
    """(base url, the log lines) of a receiver on a free loopback port."""
    lines: list[str] = []
    receiver = Receiver(store, TOKEN, log=lines.append, read_timeout=1.0)
    runner = web.AppRunner(receiver.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", lines
    await runner.cleanup()


async def post(base, path, body, headers=AUTH, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            base + path, data=data, headers={**headers, "Content-Type": content_type}
        ) as response,
    ):
        return response.status, await response.json()


async def test_the_same_body_twice(server, store):
    base, lines = server
    body = am_payload(am_alert("a1"), am_alert("a2"))
    assert (await post(base, "/v1/alertmanager", body))[0] == 202
    status, answer = await post(base, "/v1/alertmanager", body)
    assert (status, answer["status"], answer["duplicates"]) == (200, "duplicate", 2)
    [proposal] = store.proposals()
    assert proposal.alerts == 2
    assert len(lines) == 2 and all("POST /v1/alertmanager" in line for line in lines)


async def test_mixed_firing_and_resolved_and_resolve_before_fire(server, store):
    base, _ = server
    await post(base, "/v1/alertmanager", am_payload(am_alert("a1"), am_alert("a2")))
    mixed = am_payload(am_alert("a1", "resolved", ends=T1), am_alert("a2"))
    assert (await post(base, "/v1/alertmanager", mixed))[0] == 202
    assert store.proposals()[0].firing == 1
    early = am_payload(am_alert("z9", "resolved", ends=T1), group="other", status="resolved")
    status, answer = await post(base, "/v1/alertmanager", early)
    assert (status, answer["proposals"]) == (202, [])
    assert len(store.proposals()) == 1


async def test_a_flap_reopens_the_alert(server, store):
    base, _ = server
    await post(base, "/v1/alertmanager", am_payload(am_alert("a1")))
    await post(base, "/v1/alertmanager", am_payload(am_alert("a1", "resolved", ends=T1)))
    again = am_payload(am_alert("a1", starts="2026-03-10T11:50:00Z"))
    assert (await post(base, "/v1/alertmanager", again))[0] == 202
    [alert] = store.proposal_alerts(1)
    assert (alert.fires, alert.status) == (2, "firing")


async def test_grafana_and_pagerduty_endpoints(server, store):
    base, _ = server
    grafana = am_payload(am_alert("g1"), group="grafana-group")
    grafana.update(version="1", title="[FIRING:1]", state="alerting", message="m")
    assert (await post(base, "/v1/grafana", grafana))[0] == 202
    event = {"routing_key": "k", "event_action": "trigger", "dedup_key": "d1",
             "payload": {"summary": "API down", "source": "api", "severity": "error"}}  # fmt: skip
    assert (await post(base, "/v2/enqueue", event))[0] == 202
    assert (await post(base, "/v2/enqueue", event))[0] == 200
    ack = {"routing_key": "k", "event_action": "acknowledge", "dedup_key": "d1"}
    assert (await post(base, "/v2/enqueue", ack))[0] == 200
    assert sorted(p.source for p in store.proposals()) == ["grafana", "pagerduty"]


async def test_a_bad_token_is_refused_and_never_logged(server, store):
    base, lines = server
    body = am_payload(am_alert("a1"))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
        status, answer = await post(base, "/v1/alertmanager", body, headers=headers)
        assert status == 401 and "token" in answer["error"]
    assert store.proposals(None) == []
    async with aiohttp.ClientSession() as session, session.get(base + "/healthz") as response:
        assert response.status == 200  # says only that it runs
    assert len(lines) == 4
    assert not any(TOKEN.decode() in line or "wrong" in line for line in lines)


async def test_oversized_wrong_type_and_malformed(server, store):
    base, _ = server
    status, answer = await post(base, "/v1/alertmanager", b" " * (MAX_BODY + 1))
    assert status == 413 and "512 KiB" in answer["error"]
    status, answer = await post(base, "/v1/alertmanager", b"{}", content_type="text/plain")
    assert status == 415
    status, answer = await post(base, "/v1/alertmanager", b"{not json")
    assert status == 400 and "not JSON" in answer["error"] and "\n" not in answer["error"]
    status, answer = await post(base, "/v1/alertmanager", b"[" * 5000 + b"]" * 5000)
    assert status == 400 and "nested" in answer["error"]
    lone = am_payload(am_alert("a1"))
    lone["alerts"][0]["annotations"]["summary"] = "\ud800"
    status, answer = await post(base, "/v1/alertmanager", json.dumps(lone).encode())
    assert status == 400 and "lone surrogate" in answer["error"]  # never a 503 to retry forever
    status, answer = await post(base, "/v1/alertmanager", {"groupKey": "g"})
    assert status == 400 and answer["error"] == "alerts must be a list"
    async with (
        aiohttp.ClientSession() as session,
        session.get(base + "/v1/alertmanager", headers=AUTH) as response,
    ):
        assert response.status == 405 and "error" in await response.json()
    assert store.proposals(None) == []


@pytest.mark.sqlite_only
async def test_an_unwritable_database_is_503_and_the_retry_lands(server, store, db_file):
    base, lines = server
    store.set_busy_timeout(0.2)
    # Another process holds the write lock: nothing can be written now.
    other = sqlite3.connect(db_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    body = am_payload(am_alert("a1"))
    try:
        status, answer = await post(base, "/v1/alertmanager", body)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert status == 503 and "retry" in answer["error"]
    assert any("not stored" in line for line in lines)
    assert store.proposals(None) == []
    assert (await post(base, "/v1/alertmanager", body))[0] == 202  # the sender's retry
    assert store.proposals()[0].alerts == 1


async def test_a_body_that_does_not_arrive_in_time_is_408(server, store):
    base, lines = server
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /v1/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + TOKEN + b'\r\nContent-Length: 100\r\n\r\n{"gro'
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readline(), 60)  # the server's timeout answers first
    writer.close()
    assert head.startswith(b"HTTP/1.1 408")
    assert store.proposals(None) == []


async def test_requests_at_once_are_all_stored(server, store):
    base, _ = server
    bodies = [am_payload(am_alert(f"a{n}"), group=f"g{n % 3}") for n in range(30)]
    results = await asyncio.gather(*(post(base, "/v1/alertmanager", b) for b in bodies))
    assert [status for status, _ in results] == [202] * 30
    assert sum(p.alerts for p in store.proposals()) == 30 and len(store.proposals()) == 3


# ------------------------------------------------------------ the command
def _warroom(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args], capture_output=True, text=True, timeout=60,
        **kwargs,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mode, ok", [(0o644, False), (0o604, False), (0o640, True)])
def test_a_token_file_others_can_read_is_refused(tmp_path, mode, ok):
    token = tmp_path / "token"
    token.write_bytes(TOKEN + b"\n")
    token.chmod(mode)
    if ok:
        return  # served in the next test
    done = _warroom("intake", "serve", "--token-file", str(token))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "others may read" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_remote_address_needs_allow_remote(tmp_path):
    token = tmp_path / "token"
    token.write_bytes(TOKEN)
    token.chmod(0o600)
    done = _warroom("intake", "serve", "--listen", "0.0.0.0:9747", "--token-file", str(token))
    assert done.returncode == 2 and "--allow-remote" in done.stderr


def test_the_serve_command_receives_and_the_cli_decides(tmp_path):
    token = tmp_path / "token"
    token.write_bytes(TOKEN + b"\n")
    token.chmod(0o640)
    port = _free_port()
    env = {**os.environ, "WARROOM_DB": str(tmp_path / "served.db")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom", "intake", "serve", "--listen", f"127.0.0.1:{port}",
         "--token-file", str(token)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "the receiver did not start"
                time.sleep(0.05)

        async def send():
            return await post(base, "/v1/alertmanager", am_payload(am_alert("a1")))

        assert asyncio.run(send())[0] == 202
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "POST /v1/alertmanager 202" in err and TOKEN.decode() not in err
    listed = _warroom("intake", "list", "--json", env=env)
    [proposal] = json.loads(listed.stdout)
    assert (proposal["alerts"], proposal["status"]) == (1, "proposed")
    accepted = _warroom("intake", "accept", "1", env=env)
    assert accepted.returncode == 0 and accepted.stdout.strip() == "1"
    again = _warroom("intake", "decline", "1", "--reason", "noise", env=env)
    assert again.returncode == 2 and "accepted already" in again.stderr
    shown = _warroom("list", env=env)
    assert "P1" in shown.stdout and "disk full on a1" in shown.stdout
