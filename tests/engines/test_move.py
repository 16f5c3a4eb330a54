"""`warroom move`: a SQLite war room into PostgreSQL and back, everything kept."""

from __future__ import annotations

from datetime import date

import pytest

from warroom.cli import commands as cli
from warroom.services.paths import DbUrl
from warroom.store import Store


def _seed(store: Store) -> int:
    incident = store.declare("Payments down", priority="P1")
    store.add_entry(incident.id, "first note")
    store.assign(incident.id, "Lead", "ann")
    store.assign(incident.id, "Lead", "bob")
    store.set_check(incident.id, "c1", True)
    draft = store.save_draft(incident.id, "We are on it", 0)
    store.save_draft(incident.id, "We are on it, ETA 10m", draft.version)
    store.publish_update(incident.id, "We are on it")
    store.save_why(incident.id, 1, "Why?", "Because")
    store.set_root_cause(incident.id, "a config push")
    store.add_action(incident.id, "Add a canary", owner="cy", due=date(2026, 4, 1))
    store.close_incident(incident.id, "rolled back")
    store.declare("Second one")
    return incident.id


def _everything(store: Store, incident_id: int):
    bundle = store.bundle(incident_id)
    return (
        bundle,
        store.draft_history(incident_id),
        store.known_people(),
        [i.id for i in store.list_incidents(include_closed=True)],
        store.revision(),
    )


def test_sqlite_to_postgresql_and_back_keeps_everything(
    tmp_path, pg_url, open_store, policy, clock, capsys
):
    source = tmp_path / "team.db"
    store = open_store(path=source)
    incident_id = _seed(store)
    before = _everything(store, incident_id)

    assert cli.main(["move", str(source), pg_url]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"moved {source} to {pg_url}: incidents 2, timeline ")
    assert out[0].endswith("(row counts match)")

    on_server = open_store(path=DbUrl(pg_url))
    assert _everything(on_server, incident_id) == before
    # Ids carry on after the largest copied one.
    assert on_server.declare("Third").id == 3

    back = tmp_path / "back.db"
    assert cli.main(["move", pg_url, str(back)]) == 0
    capsys.readouterr()
    returned = open_store(path=back)
    assert returned.bundle(incident_id) == before[0]
    assert [i.title for i in returned.list_incidents(include_closed=True)][-1] == "Third"


def test_a_target_that_holds_anything_is_refused_and_left_alone(
    tmp_path, pg_url, open_store, capsys
):
    source = tmp_path / "team.db"
    _seed(open_store(path=source))
    taken = open_store(path=DbUrl(pg_url))
    taken.declare("Already here")
    code = cli.main(["move", str(source), pg_url])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "not empty" in err and "incidents" in err
    assert [i.title for i in taken.list_incidents()] == ["Already here"]


@pytest.mark.parametrize("what", ["missing", "same"])
def test_bad_sources_are_one_line(tmp_path, capsys, what):
    source = tmp_path / "nothing.db"
    target = source if what == "same" else tmp_path / "new.db"
    code = cli.main(["move", str(source), str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert ("no database at" if what == "missing" else "the same database") in err


def test_a_nul_postgresql_cannot_hold_is_refused_naming_its_row_and_field(
    tmp_path, pg_url, policy, capsys
):
    source = tmp_path / "nul.db"
    store = Store.open(source, policy, "ann")
    incident = store.declare("Has a NUL")
    entry = store.add_entry(incident.id, "before\x00after")  # SQLite keeps it as written
    store.close()
    assert cli.main(["move", str(source), pg_url]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"timeline row with id {entry.id}: text holds a NUL character" in err
    assert "nothing was copied" in err
    reader = Store.open(DbUrl(pg_url), policy, "reader")
    try:
        assert reader.list_incidents(include_closed=True) == []
    finally:
        reader.close()
