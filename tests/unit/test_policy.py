"""The response policy: built-in defaults, TOML overrides, bad files, lookups."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from warroom.cli import commands as cli
from warroom.core.errors import UsageError
from warroom.core.policy import CLOCKS, UNTRIAGED, default_policy, load_policy, parse_duration
from warroom.services.paths import resolve_policy

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


# ------------------------------------------------------------------ defaults
def test_default_checklist_has_fifteen_items_in_cia_groups(policy):
    assert len(policy.checklist) == 15
    assert policy.checklist_groups == ("Confidentiality", "Integrity", "Availability")
    sizes = [sum(1 for i in policy.checklist if i.group == g) for g in policy.checklist_groups]
    assert sizes == [4, 5, 6]
    # Items of a group are contiguous and ids are unique.
    groups_in_order = [i.group for i in policy.checklist]
    assert groups_in_order == sorted(groups_in_order, key=policy.checklist_groups.index)
    assert len({i.id for i in policy.checklist}) == 15
    assert [i.id for i in policy.checklist][:5] == ["c1", "c2", "c3", "c4", "i1"]


def test_checklist_item_lookup(policy):
    item = policy.checklist_item("a4")
    assert item is not None
    assert item.group == "Availability"
    assert item.text == "Backups affected"
    assert policy.checklist_item("zz") is None


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("P1", (30 * M, 1 * H, 24 * H, 36 * H)),
        ("P2", (4 * H, 12 * H, 3 * D, 3 * D)),
        ("P3", (24 * H, 24 * H, 7 * D, 7 * D)),
        (UNTRIAGED, (30 * M, 1 * H, 24 * H, 36 * H)),
    ],
)
def test_default_clock_budgets(policy, priority, expected):
    assert tuple(policy.budget(priority, c) for c in CLOCKS) == expected


@pytest.mark.parametrize(
    ("priority", "expected"), [("P1", H), ("P2", 4 * H), ("P3", D), (UNTRIAGED, H)]
)
def test_default_update_cadence(policy, priority, expected):
    assert policy.cadence(priority) == expected


def test_default_shape(policy):
    assert policy.priorities == ("P1", "P2", "P3")
    assert policy.priority_choices == ("P1", "P2", "P3", UNTRIAGED)
    assert policy.untriaged_as == "P1"
    assert policy.effective_priority(UNTRIAGED) == "P1"
    assert policy.effective_priority("P3") == "P3"
    assert policy.due_soon_fraction == pytest.approx(0.2)
    assert policy.stages == ("Prepare", "Detect", "Respond", "Recover")
    assert policy.roles == (
        "Lead",
        "Coordinator",
        "Scribe",
        "Communicator",
        "Change owner",
        "Responder",
    )
    assert policy.change_role == "Change owner"
    assert policy.multi_role == "Responder"
    assert len(policy.categories) == 3
    assert policy.source == "built-in"


def test_load_policy_none_is_default():
    assert load_policy(None) == default_policy()


# ----------------------------------------------------------------- overrides
def _write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_override_changes_one_budget_and_keeps_the_rest(tmp_path, policy):
    path = _write(tmp_path, '[clocks.P2]\nacknowledge = "2h"\n')
    merged = load_policy(path)
    assert merged.budget("P2", "acknowledge") == 2 * H
    # The other P2 clocks, the other priorities and everything else are kept.
    for clock in ("triage", "remediate", "retro"):
        assert merged.budget("P2", clock) == policy.budget("P2", clock)
    for prio in ("P1", "P3", UNTRIAGED):
        for clock in CLOCKS:
            assert merged.budget(prio, clock) == policy.budget(prio, clock)
    assert merged.update_cadence == policy.update_cadence
    assert merged.checklist == policy.checklist
    assert merged.roles == policy.roles
    assert merged.source == str(path)


def test_override_untriaged_as_and_lists(tmp_path):
    path = _write(
        tmp_path,
        'untriaged_as = "P2"\nstages = ["Triage", "Fix"]\n[update_cadence]\nP1 = 15\n',
    )
    merged = load_policy(path)
    assert merged.budget(UNTRIAGED, "acknowledge") == 4 * H
    assert merged.cadence(UNTRIAGED) == 4 * H
    assert merged.cadence("P1") == 15 * M  # a bare number means minutes
    assert merged.stages == ("Triage", "Fix")  # lists replace, not merge
    assert merged.cadence("P3") == D


def test_user_policy_file_in_config_dir_is_discovered(neutral_env):
    assert resolve_policy(None) is None  # the neutral env has none
    path = neutral_env / "config" / "warroom" / "policy.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[clocks.P3]\nretro = "14d"\n', encoding="utf-8")
    assert resolve_policy(None) == path
    assert load_policy(resolve_policy(None)).budget("P3", "retro") == 14 * D
    assert resolve_policy("/elsewhere/p.toml") == Path("/elsewhere/p.toml")


# ----------------------------------------------------------------- bad files
BAD_FILES = {
    "invalid_toml": b"clocks = [\n",
    "unknown_key": b'colour = "red"\n',
    "unknown_clock": b'[clocks.P1]\nlunch = "1h"\n',
    "bad_duration": b'[clocks.P2]\nacknowledge = "soon"\n',
    "zero_duration": b'[clocks.P2]\nacknowledge = "0m"\n',
    "negative_minutes": b"[clocks.P2]\nacknowledge = -5\n",
    "boolean_duration": b"[clocks.P2]\nacknowledge = true\n",
    "missing_clock": b'[clocks.P0]\nacknowledge = "5m"\ntriage = "10m"\nremediate = "1h"\n',
    "no_cadence": (
        b'[clocks.P0]\nacknowledge = "5m"\ntriage = "10m"\nremediate = "1h"\nretro = "1d"\n'
    ),
    "untriaged_as_unknown": b'untriaged_as = "P9"\n',
    "fraction_out_of_range": b"due_soon_fraction = 1.5\n",
    "empty_stages": b"stages = []\n",
    "duplicate_roles": b'single_roles = ["Lead", "Lead"]\n',
    "checklist_item_without_text": b'[[checklist]]\nid = "x1"\ngroup = "G"\n',
    "checklist_not_a_list": b"checklist = 5\n",
    "non_utf8": b'stages = ["Pr\xe9parer"]\n',
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_policy_file_is_a_usage_error_naming_the_file(tmp_path, case):
    path = tmp_path / f"{case}.toml"
    path.write_bytes(BAD_FILES[case])
    with pytest.raises(UsageError) as info:
        load_policy(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("invalid_toml", "invalid TOML"),
        ("unknown_key", "colour"),
        ("bad_duration", "soon"),
        ("missing_clock", "retro"),
        ("non_utf8", "UTF-8"),
    ],
)
def test_bad_policy_file_says_what_is_wrong(tmp_path, case, words):
    path = tmp_path / "p.toml"
    path.write_bytes(BAD_FILES[case])
    with pytest.raises(UsageError, match=words):
        load_policy(path)


def test_policy_path_that_is_a_directory(tmp_path):
    with pytest.raises(UsageError, match="is a directory") as info:
        load_policy(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_missing_policy_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(UsageError, match="not found") as info:
        load_policy(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "value", ["inf", "1e30", '"99999999999d"'], ids=["inf", "huge-number", "huge-days"]
)
def test_overflowing_duration_is_a_usage_error(tmp_path, value):
    path = _write(tmp_path, f"[clocks.P2]\nacknowledge = {value}\n")
    with pytest.raises(UsageError, match="p.toml|policy.toml"):
        load_policy(path)


# ------------------------------------------------------------ parse_duration
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", 30 * M),
        ("30min", 30 * M),
        (" 4 h ", 4 * H),
        ("1.5h", 90 * M),
        ("3d", 3 * D),
        ("2w", 14 * D),
        ("45s", timedelta(seconds=45)),
        (30, 30 * M),
        (0.5, timedelta(seconds=30)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "30", "30 minutes", "-5m", "0m", "0", 0, -1, True, False, "1y", None]
)
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_duration_nan_is_rejected():
    with pytest.raises(ValueError):
        parse_duration(math.nan)


# -------------------------------------------------------------------- lookups
@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("lead", "Lead"),
        ("LEAD", "Lead"),
        ("  Lead ", "Lead"),
        ("l", "Lead"),
        ("coord", "Coordinator"),
        ("comm", "Communicator"),
        ("s", "Scribe"),
        ("resp", "Responder"),
        ("responder", "Responder"),
        ("responders", "Responder"),
        ("Responders", "Responder"),
    ],
)
def test_match_role(policy, typed, role):
    assert policy.match_role(typed) == role


@pytest.mark.parametrize("typed", ["c", "co", "", "  ", "chief", "leader"])
def test_match_role_rejects_ambiguous_or_unknown(policy, typed):
    with pytest.raises(UsageError, match="unknown role") as info:
        policy.match_role(typed)
    assert "Lead" in str(info.value)  # lists the choices


@pytest.mark.parametrize(
    ("typed", "priority"),
    [("p1", "P1"), ("P2", "P2"), (" p3 ", "P3"), ("u", UNTRIAGED), ("UNTRIAGED", UNTRIAGED)],
)
def test_match_priority(policy, typed, priority):
    assert policy.match_priority(typed) == priority


@pytest.mark.parametrize("typed", ["p", "P4", "high", ""])
def test_match_priority_rejects(policy, typed):
    with pytest.raises(UsageError, match="unknown priority"):
        policy.match_priority(typed)


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("reg", "regression or bug"),
        ("Security", "security breach"),
        ("PERF", "performance degradation"),
        ("security breach", "security breach"),
    ],
)
def test_match_category(policy, typed, category):
    assert policy.match_category(typed) == category


@pytest.mark.parametrize("typed", ["bug", "x", ""])
def test_match_category_rejects(policy, typed):
    with pytest.raises(UsageError, match="unknown category"):
        policy.match_category(typed)


def test_match_stage(policy):
    assert policy.match_stage("p") == "Prepare"
    assert policy.match_stage("RESPOND") == "Respond"
    with pytest.raises(UsageError, match="unknown stage"):
        policy.match_stage("re")  # Respond or Recover


# ------------------------------------------------------------------------ CLI
def test_cli_bad_policy_file_exits_2_with_one_line(tmp_path, capsys, env_db):
    path = _write(tmp_path, '[clocks.P1]\nacknowledge = "whenever"\n', name="team.toml")
    code = cli.main(["--policy", str(path), "list"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1
    assert err.startswith("warroom: ")
    assert str(path) in err
    assert not env_db.exists()  # nothing was opened or created


def test_cli_policy_override_is_used(tmp_path, capsys, env_db):
    path = _write(tmp_path, '[update_cadence]\nP1 = "10m"\n')
    assert cli.main(["--policy", str(path), "declare", "Disk full", "-p", "P1"]) == 0
    incident_id = int(capsys.readouterr().out)
    assert cli.main(["--policy", str(path), "status", str(incident_id), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    reported = status["incident"]["reported_at"]
    due = datetime.fromisoformat(status["next_update_due"])
    assert due - datetime.fromisoformat(reported) == 10 * M


def test_the_built_in_policy_is_read_from_its_json_while_it_matches_the_toml(monkeypatch):
    """default_policy_data.py (written by make docs) is the TOML file as JSON,
    read at start-up without tomllib; a TOML file it was not made from (an
    edit not yet through make docs) is read itself."""
    import tomllib

    from warroom.core import policy

    toml = policy._default_text()
    assert policy._default_data() == tomllib.loads(toml)
    edited = toml.replace('untriaged_as = "P1"', 'untriaged_as = "P2"')
    assert edited != toml
    monkeypatch.setattr(policy, "_default_text", lambda: edited)
    assert policy._default_data()["untriaged_as"] == "P2"
