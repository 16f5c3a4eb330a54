"""Pure clock arithmetic: policy + incident + now -> the state of every clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from warroom.core.model import Incident
from warroom.core.policy import CLOCK_MILESTONE, CLOCKS, Policy
from warroom.core.record import record
from warroom.core.timefmt import add, fmt_duration

# Clock states. Words as well as colours carry them on screen.
RUNNING = "running"
DUE_SOON = "due soon"
OVERDUE = "overdue"
MET = "met"
MISSED = "missed"
STOPPED = "stopped"  # incident closed before the milestone was recorded

URGENCY = {OVERDUE: 0, DUE_SOON: 1, RUNNING: 2, MISSED: 3, MET: 4, STOPPED: 5}


# A tuple: every list row and report computes many. Its fields are given by
# call, as types: written as a class body they are strings here (`from
# __future__ import annotations`), which typing compiled one by one as the
# module loaded, at every start that reads a clock.
class ClockState(
    NamedTuple(
        "ClockState",
        [
            ("name", str),
            ("budget", timedelta),
            ("deadline", datetime),
            ("state", str),
            # Time left until the deadline (negative once overdue); for a stopped
            # clock, how far ahead of (positive) or behind (negative) it stopped.
            ("remaining", timedelta),
            ("stopped_at", datetime | None),
        ],
    )
):
    __slots__ = ()

    @property
    def is_live(self) -> bool:
        return self.stopped_at is None and self.state in (RUNNING, DUE_SOON, OVERDUE)


def clock_states(policy: Policy, incident: Incident, now: datetime) -> list[ClockState]:
    """Every clock's state; none for a priority the policy does not know."""
    budgets = policy.clocks.get(policy.effective_priority(incident.priority))
    if budgets is None:  # a priority the policy does not know (policy.knows)
        return []
    states = []
    reported, is_open = incident.reported_at, incident.is_open
    for name in CLOCKS:
        budget = budgets[name]  # policy.budget(incident.priority, name)
        deadline = add(reported, budget)
        stopped_at = getattr(incident, CLOCK_MILESTONE[name])
        if stopped_at is not None:
            state = MET if stopped_at <= deadline else MISSED
            states.append(
                ClockState(name, budget, deadline, state, deadline - stopped_at, stopped_at)
            )
            continue
        if not is_open and name != "retro":
            # Closing stops every clock but the retro, which runs on after close;
            # a milestone never recorded is neither met nor missed, just stopped.
            closed = incident.closed_at or now
            states.append(ClockState(name, budget, deadline, STOPPED, deadline - closed, closed))
            continue
        remaining = deadline - now
        state = _running_state(policy, budget, remaining)
        if state == OVERDUE and not is_open:
            # The retro, owed after close: once its deadline passes it was
            # missed, not overdue for ever (an incident replayed from years ago).
            state = MISSED
        states.append(ClockState(name, budget, deadline, state, remaining, None))
    return states


_CLOCK_FIELDS = tuple((name, CLOCK_MILESTONE[name]) for name in CLOCKS)


def clock_state_names(policy: Policy, incident: Incident, now: datetime) -> tuple[str, ...]:
    """Each clock's state alone, in CLOCKS' order: what clock_states() says
    of each (() for a priority the policy does not know), without the rest
    of a ClockState. The report reads only these, for every incident."""
    budgets = policy.clocks.get(policy.effective_priority(incident.priority))
    if budgets is None:
        return ()
    reported, is_open = incident.reported_at, incident.is_open
    states = []
    for name, milestone in _CLOCK_FIELDS:
        budget = budgets[name]
        deadline = add(reported, budget)
        stopped_at = getattr(incident, milestone)
        if stopped_at is not None:
            states.append(MET if stopped_at <= deadline else MISSED)
        elif not is_open and name != "retro":
            states.append(STOPPED)  # clock_states' rules, in its order
        else:
            state = _running_state(policy, budget, deadline - now)
            states.append(MISSED if state == OVERDUE and not is_open else state)
    return tuple(states)


def margin(c: ClockState) -> str:
    """How a clock stands against its deadline, in the words every output
    uses (status, the clocks panel, the exports): '13m before the deadline'."""
    by = fmt_duration(c.remaining)
    if c.state == MET:
        return f"{by} before the deadline"
    if c.state == MISSED:
        return f"{by} late" if c.stopped_at else f"not recorded, {by} past the deadline"
    if c.state == STOPPED:
        side = "before" if c.remaining >= timedelta(0) else "after"
        return f"never recorded; the incident closed {by} {side} the deadline"
    if c.state == OVERDUE:
        return f"{by} past the deadline"
    return f"{by} left"


def _running_state(policy: Policy, budget: timedelta, remaining: timedelta) -> str:
    if remaining < timedelta(0):
        return OVERDUE
    if remaining <= budget * policy.due_soon_fraction:
        return DUE_SOON
    return RUNNING


@record
class UpdateDue:
    due_at: datetime
    remaining: timedelta
    state: str


def next_update(policy: Policy, incident: Incident, now: datetime) -> UpdateDue | None:
    """When the communicator owes stakeholders the next update (None once
    closed, or when the policy has no cadence for the priority)."""
    if not incident.is_open or not policy.knows(incident.priority):
        return None
    cadence = policy.cadence(incident.priority)
    since = incident.last_update_at or incident.reported_at
    due_at = add(since, cadence)
    remaining = due_at - now
    return UpdateDue(due_at, remaining, _running_state(policy, cadence, remaining))


def promised_update(policy: Policy, incident: Incident, now: datetime) -> datetime | None:
    """The "next update by" an update written now states: the update clock's
    own due time while it is still ahead; once passed, one cadence from now
    (where that clock will stand when this late update goes out)."""
    due = next_update(policy, incident, now)
    if due is None:
        return None
    if due.due_at > now:
        return due.due_at
    return add(now, policy.cadence(incident.priority))


def most_urgent(policy: Policy, incident: Incident, now: datetime) -> ClockState | None:
    live = [c for c in clock_states(policy, incident, now) if c.is_live]
    return min(live, key=lambda c: (URGENCY[c.state], c.remaining), default=None)
