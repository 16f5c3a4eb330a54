"""SLA clocks: deadlines, due-soon, met/missed, priority changes, close, cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.core.model import CLOSED, OPEN, Incident
from warroom.core.policy import CLOCK_MILESTONE, CLOCKS, UNTRIAGED
from warroom.core.sla import (
    DUE_SOON,
    MET,
    MISSED,
    OVERDUE,
    RUNNING,
    STOPPED,
    ClockState,
    clock_state_names,
    clock_states,
    most_urgent,
    next_update,
)

PRIORITIES = ("P1", "P2", "P3", UNTRIAGED)
SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)
# Reported time of the hand-made incidents (store tests use the clock fixture).
FIXED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def make(priority: str = "P1", **fields) -> Incident:
    base = {
        "id": 1,
        "title": "Checkout returns 500",
        "category": "regression or bug",
        "priority": priority,
        "stage": "Detect",
        "status": OPEN,
        "reported_at": FIXED,
        "declared_at": FIXED,
        "declared_by": "alice",
    }
    base.update(fields)
    return Incident(**base)


def test_clock_state_names_say_what_clock_states_say(policy):
    """The report's states alone: the same words, in CLOCKS' order, for every
    priority (an unknown one too), open or closed, each milestone on time,
    late, at its deadline or never recorded, now before and after, and
    times at the ends of datetime's range."""
    cases, seen = 0, set()
    for priority in (*PRIORITIES, "P9"):
        for status in (OPEN, CLOSED):
            for reported in (
                FIXED,
                datetime.min.replace(tzinfo=UTC),
                datetime.max.replace(tzinfo=UTC),
            ):
                for offset in (
                    None,
                    timedelta(0),
                    10 * SECOND,
                    timedelta(hours=3),
                    timedelta(days=9),
                ):
                    for now_after in (timedelta(0), timedelta(minutes=28), timedelta(days=30)):
                        fields = {}
                        if offset is not None:
                            for n, clock in enumerate(CLOCKS):
                                if n % 2 == 0 or offset > timedelta(hours=1):
                                    try:
                                        fields[CLOCK_MILESTONE[clock]] = reported + offset
                                    except OverflowError:
                                        fields[CLOCK_MILESTONE[clock]] = reported
                        if status == CLOSED:
                            fields["closed_at"] = reported
                        incident = make(priority, status=status, reported_at=reported, **fields)
                        try:
                            now = reported + now_after
                        except OverflowError:
                            now = reported
                        expected = tuple(c.state for c in clock_states(policy, incident, now))
                        assert clock_state_names(policy, incident, now) == expected
                        seen.update(expected)
                        cases += 1
    assert cases == 5 * 2 * 3 * 5 * 3
    assert seen == {MET, MISSED, STOPPED, RUNNING, DUE_SOON, OVERDUE}


def state_of(policy, incident, now, clock):
    return next(c for c in clock_states(policy, incident, now) if c.name == clock)


# ---------------------------------------------------- deadlines, every clock
@pytest.mark.parametrize("priority", PRIORITIES)
@pytest.mark.parametrize("clock", CLOCKS)
def test_clock_around_its_deadline(policy, priority, clock):
    incident = make(priority)
    budget = policy.budget(priority, clock)
    deadline = FIXED + budget

    before = state_of(policy, incident, deadline - SECOND, clock)
    assert before.deadline == deadline
    assert before.budget == budget
    assert before.state == DUE_SOON
    assert before.remaining == SECOND
    assert before.stopped_at is None and before.is_live

    at = state_of(policy, incident, deadline, clock)
    assert at.state == DUE_SOON  # not late yet: a milestone now would be "met"
    assert at.remaining == timedelta(0)

    after = state_of(policy, incident, deadline + SECOND, clock)
    assert after.state == OVERDUE
    assert after.remaining == -SECOND
    assert after.is_live


def test_untriaged_runs_on_the_p1_table(policy):
    untriaged = clock_states(policy, make(UNTRIAGED), FIXED)
    p1 = clock_states(policy, make("P1"), FIXED)
    assert [c.deadline for c in untriaged] == [c.deadline for c in p1]
    assert untriaged[0].deadline == FIXED + timedelta(minutes=30)


@pytest.mark.parametrize("priority", PRIORITIES)
@pytest.mark.parametrize("clock", CLOCKS)
def test_due_soon_threshold_is_a_fifth_of_the_budget(policy, priority, clock):
    incident = make(priority)
    budget = policy.budget(priority, clock)
    deadline = FIXED + budget
    threshold = budget / 5

    on = state_of(policy, incident, deadline - threshold, clock)
    assert on.state == DUE_SOON
    assert on.remaining == threshold

    just_outside = state_of(policy, incident, deadline - threshold - MICRO, clock)
    assert just_outside.state == RUNNING

    fresh = state_of(policy, incident, FIXED, clock)
    assert fresh.state == RUNNING
    assert fresh.remaining == budget


# --------------------------------------------------------- met and missed
@pytest.mark.parametrize("priority", PRIORITIES)
@pytest.mark.parametrize("clock", CLOCKS)
def test_milestone_before_or_at_deadline_is_met(policy, priority, clock):
    deadline = FIXED + policy.budget(priority, clock)
    early = make(priority, **{CLOCK_MILESTONE[clock]: deadline - timedelta(minutes=3)})
    # Read long after the deadline: a met clock stays met.
    state = state_of(policy, early, deadline + timedelta(days=30), clock)
    assert state.state == MET
    assert state.remaining == timedelta(minutes=3)
    assert state.stopped_at == deadline - timedelta(minutes=3)
    assert not state.is_live

    on_time = make(priority, **{CLOCK_MILESTONE[clock]: deadline})
    assert state_of(policy, on_time, deadline, clock).state == MET


@pytest.mark.parametrize("priority", PRIORITIES)
@pytest.mark.parametrize("clock", CLOCKS)
def test_milestone_after_deadline_is_missed(policy, priority, clock):
    deadline = FIXED + policy.budget(priority, clock)
    late = make(priority, **{CLOCK_MILESTONE[clock]: deadline + SECOND})
    state = state_of(policy, late, deadline + timedelta(days=30), clock)
    assert state.state == MISSED
    assert state.remaining == -SECOND
    assert not state.is_live


def test_other_clocks_keep_running_after_one_milestone(policy):
    incident = make("P2", acknowledged_at=FIXED + timedelta(hours=1))
    states = {c.name: c for c in clock_states(policy, incident, FIXED + timedelta(hours=2))}
    assert states["acknowledge"].state == MET
    assert states["triage"].state == RUNNING
    assert states["triage"].remaining == timedelta(hours=10)


# ------------------------------------------------- through the store
def test_priority_change_rederives_deadlines_from_reported_time(store, clock, policy):
    reported = clock() - timedelta(minutes=10)
    incident = store.declare("Login errors", reported_at=reported)
    assert incident.priority == UNTRIAGED
    clock.advance(minutes=35)  # 45 minutes after the report
    ack = state_of(policy, store.get_incident(incident.id), clock(), "acknowledge")
    assert ack.state == OVERDUE
    assert ack.remaining == -timedelta(minutes=15)

    store.set_priority(incident.id, "P3")
    stored = store.get_incident(incident.id)
    assert stored.priority == "P3"
    states = {c.name: c for c in clock_states(policy, stored, clock())}
    for name in CLOCKS:
        assert states[name].deadline == reported + policy.budget("P3", name)
    assert states["acknowledge"].state == RUNNING
    assert states["acknowledge"].remaining == timedelta(hours=23, minutes=15)
    assert states["remediate"].deadline == reported + timedelta(days=7)


def test_closing_stops_every_clock_but_retro(store, clock, policy):
    incident = store.declare("Payments down", priority="P2")
    clock.advance(hours=1)
    closed_at = clock()
    store.close_incident(incident.id, "Rolled back the deploy")
    stored = store.get_incident(incident.id)
    assert stored.status == CLOSED

    first_now = clock()
    first = {c.name: c for c in clock_states(policy, stored, first_now)}
    clock.advance(days=10)
    later = {c.name: c for c in clock_states(policy, stored, clock())}
    for name in ("acknowledge", "triage", "remediate"):
        assert first[name].stopped_at == closed_at
        assert not later[name].is_live
        assert later[name] == first[name]  # frozen: time passing changes nothing
    assert first["remediate"].state == MET  # closing records remediation
    assert first["acknowledge"].remaining == timedelta(hours=3)

    # The retro is still owed after close; once its deadline passes it was
    # missed: a closed incident's clocks are met or missed, never overdue.
    assert first["retro"].stopped_at is None
    assert first["retro"].state == RUNNING
    assert most_urgent(policy, stored, first_now).name == "retro"
    assert later["retro"].state == MISSED
    assert not later["retro"].is_live
    assert most_urgent(policy, stored, clock()) is None

    store.record_milestone(incident.id, "retro")
    done = store.get_incident(incident.id)
    assert state_of(policy, done, clock(), "retro").state == MISSED
    assert most_urgent(policy, done, clock()) is None


def test_clock_closed_before_its_milestone_is_stopped(store, clock, policy):
    incident = store.declare("Payments down", priority="P2")
    clock.advance(hours=1)
    store.close_incident(incident.id, "False alarm")
    stored = store.get_incident(incident.id)
    assert stored.acknowledged_at is None and stored.triaged_at is None
    assert state_of(policy, stored, clock(), "acknowledge").state == STOPPED
    assert state_of(policy, stored, clock(), "triage").state == STOPPED


def test_reopen_restarts_unrecorded_clocks(store, clock, policy):
    incident = store.declare("Payments down", priority="P1")
    store.close_incident(incident.id, "looked fine")
    clock.advance(hours=2)
    store.reopen_incident(incident.id, "it was not fine")
    stored = store.get_incident(incident.id)
    ack = state_of(policy, stored, clock(), "acknowledge")
    assert ack.is_live and ack.state == OVERDUE


# --------------------------------------------------------------- cadence
def test_next_update_follows_cadence_and_publish(store, clock, policy):
    start = clock()
    incident = store.declare("Slow search", priority="P2")
    due = next_update(policy, store.get_incident(incident.id), clock())
    assert due.due_at == start + timedelta(hours=4)
    assert due.state == RUNNING

    clock.advance(hours=3, minutes=12)  # 48 minutes left: a fifth of 4h
    due = next_update(policy, store.get_incident(incident.id), clock())
    assert due.state == DUE_SOON
    assert due.remaining == timedelta(minutes=48)

    clock.advance(minutes=48, seconds=1)
    assert next_update(policy, store.get_incident(incident.id), clock()).state == OVERDUE

    published_at = clock()
    store.publish_update(incident.id, "We are looking into slow search.")
    stored = store.get_incident(incident.id)
    assert stored.last_update_at == published_at
    due = next_update(policy, stored, clock())
    assert due.due_at == published_at + timedelta(hours=4)
    assert due.state == RUNNING


@pytest.mark.parametrize(
    ("priority", "cadence"),
    [("P1", timedelta(hours=1)), ("P3", timedelta(days=1)), (UNTRIAGED, timedelta(hours=1))],
)
def test_next_update_cadence_per_priority(policy, priority, cadence):
    assert next_update(policy, make(priority), FIXED).due_at == FIXED + cadence


def test_no_update_due_once_closed(policy):
    closed = make("P1", status=CLOSED, closed_at=FIXED + timedelta(hours=1))
    assert next_update(policy, closed, FIXED + timedelta(hours=2)) is None


# ------------------------------------------------------------ most urgent
def test_most_urgent_prefers_overdue_over_running(policy):
    # P2, 5 hours in: acknowledge (4h) overdue by 1h, triage (12h) running 7h left.
    incident = make("P2")
    now = FIXED + timedelta(hours=5)
    urgent = most_urgent(policy, incident, now)
    assert urgent.name == "acknowledge"
    assert urgent.state == OVERDUE


def test_most_urgent_ranks_due_soon_and_overdue_first(policy):
    # P1 acknowledged; 55 minutes in: triage due soon (5m left). Remediate not urgent.
    acked = make("P1", acknowledged_at=FIXED + timedelta(minutes=5))
    urgent = most_urgent(policy, acked, FIXED + timedelta(minutes=55))
    assert (urgent.name, urgent.state) == ("triage", DUE_SOON)

    # Triaged but reported long ago: remediate overdue beats a running retro.
    old = make("P1", acknowledged_at=FIXED, triaged_at=FIXED)
    urgent = most_urgent(policy, old, FIXED + timedelta(hours=25))
    assert (urgent.name, urgent.state) == ("remediate", OVERDUE)


def test_most_urgent_picks_the_most_overdue(policy):
    incident = make("P1")
    urgent = most_urgent(policy, incident, FIXED + timedelta(hours=2))
    assert urgent.name == "acknowledge"  # overdue by 90m, triage only by 60m
    assert urgent.remaining == -timedelta(minutes=90)


def test_most_urgent_none_when_all_clocks_stopped(policy):
    done = make("P3", **{field: FIXED for field in CLOCK_MILESTONE.values()})
    assert most_urgent(policy, done, FIXED + timedelta(days=100)) is None


def test_margin_words_are_the_markdown_s_and_long_spans_read_in_days(policy):
    from warroom.core.sla import margin

    deadline = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    at = deadline - timedelta(minutes=13)
    met = ClockState("acknowledge", timedelta(hours=1), deadline, MET, deadline - at, at)
    assert margin(met) == "13m before the deadline"
    late = met._replace(state=MISSED, remaining=timedelta(hours=-7, minutes=-6))
    assert margin(late) == "7h 6m late"
    old = met._replace(state=MISSED, remaining=-timedelta(days=2966), stopped_at=None)
    assert margin(old) == "not recorded, 8 years, 1 month and 15 days past the deadline"
