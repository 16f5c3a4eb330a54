"""Records behave as the frozen dataclasses they replace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from runners import python_says

from warroom.core import record as records
from warroom.core.model import Draft, Incident, TimelineEntry
from warroom.core.record import FrozenError, field, record, replace

AT = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)


@record
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list)

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


def test_fields_positional_keyword_and_defaults():
    assert Point(1, 2).y == 2
    assert Point(x=3).y == 0
    assert Point(1, y=5).norm == 6
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point(1, 2, [], 4)
    with pytest.raises(TypeError):
        Point(1, z=2)


def test_default_factory_makes_a_fresh_value_each_time():
    a, b = Point(1), Point(2)
    a.tags.append("x")
    assert b.tags == []
    assert Point(1, tags=["kept"]).tags == ["kept"]
    assert "tags" not in Point.__dict__  # no shared class-level default


def test_frozen():
    p = Point(1, 2)
    with pytest.raises(FrozenError, match="cannot assign to field 'x'"):
        p.x = 5
    with pytest.raises(AttributeError):  # as dataclasses.FrozenInstanceError is
        p.new = 1
    with pytest.raises(FrozenError):
        del p.y
    assert p.x == 1


def test_equality_hash_and_repr():
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2, ["a"]) != Point(1, 2)
    assert Point(1) != (1, 0, [])  # only records of the same class compare equal
    assert {Draft("t", 1, "ann", AT), Draft("t", 1, "ann", AT)} == {Draft("t", 1, "ann", AT)}
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=[])"
    assert Point.__match_args__ == ("x", "y", "tags")


def test_replace_changes_only_what_it_names():
    draft = Draft("text", 3, "ann", AT)
    saved = replace(draft, note="merged with v2 by bob")
    assert saved == Draft("text", 3, "ann", AT, note="merged with v2 by bob")
    assert draft.note == ""
    with pytest.raises(TypeError, match="no field 'colour'"):
        replace(draft, colour="red")


def test_a_field_without_default_after_one_with_is_refused():
    with pytest.raises(TypeError, match="without a default"):

        @record
        class Bad:
            a: int = 1
            b: int


def test_model_classes_keep_their_shape():
    entry = TimelineEntry(1, 2, "note", "checkout down", "ann", AT, AT)
    assert entry.data == {} and entry.public is False and entry.supersedes is None
    assert entry.event == "" and not entry.backfilled
    incident = Incident(1, "t", "regression", "P1", "Detect", "open", AT, AT, "ann")
    assert incident.is_open and incident.drill is False
    assert replace(incident, status="closed").is_open is False


def test_the_model_loads_without_the_dataclasses_module():
    probe = (
        "import sys, warroom.cli.commands, warroom.store, warroom.core.sla;"
        " print(sorted(m for m in ('dataclasses', 'inspect') if m in sys.modules))"
    )
    assert python_says(probe) == "[]"


def test_no_module_of_ours_defines_dataclasses():
    """One record style: the report, use cases, hooks, formats, doctor and
    move load no dataclasses either (the report and use cases load with
    every CLI verb that publishes or reports)."""
    modules = (
        "warroom.core.report",
        "warroom.services.usecases",
        "warroom.services.hooks",
        "warroom.formats.statuspage",
        "warroom.formats.followups",
        "warroom.formats.export",
        "warroom.cli.doctor",
        "warroom.store.move",
    )
    probe = f"import sys\nfor m in {modules!r}: __import__(m)\nprint('dataclasses' in sys.modules)"
    assert python_says(probe) == "False"


def test_init_is_compiled_once_a_class_has_made_records_enough(monkeypatch):
    """A process makes few of the kinds of record it defines, most of them a
    few times: each class binds its arguments generically (no compile) until
    it has made COMPILED_AFTER records, through a subclass too; then its
    __init__ is compiled and put in place. Both behave the same."""

    @record
    class Pair:
        a: int
        b: list = field(default_factory=list)
        c: str = "c"

    class Named(Pair):
        pass

    def behaves() -> None:
        assert Named(1).b == [] and Named(1, [2]).b == [2]
        assert Pair(3) == Pair(3, [], "c") == Pair(a=3) == Pair(3, c="c")
        assert Pair(1).b is not Pair(1).b  # a fresh default each time
        assert Pair(1, c="x") == Pair(1, [], "x")
        for bad in ((), (1, [], "c", 4)):
            with pytest.raises(TypeError):
                Pair(*bad)
        with pytest.raises(TypeError, match="'a'"):
            Pair(1, a=2)
        with pytest.raises(TypeError, match="'z'"):
            Pair(1, z=2)
        with pytest.raises(TypeError, match="'a'"):
            Pair(b=[])

    generic = Pair.__init__
    monkeypatch.setattr(records, "COMPILED_AFTER", 10**6)
    behaves()
    assert Pair.__init__ is generic  # not compiled yet: few records made
    monkeypatch.setattr(records, "COMPILED_AFTER", 40)
    for _ in range(40):
        Pair(0)
    compiled = Pair.__init__
    assert compiled is not generic  # compiled once, then in place
    behaves()
    assert Pair.__init__ is compiled
    assert compiled.__qualname__.endswith("Pair.__init__")
    assert generic.__qualname__.endswith("Pair.__init__")
