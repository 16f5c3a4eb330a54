"""The store as the core and the use cases see it: the calls they make on the
`warroom.store.Store` they are handed. The store stands above them (it may not
be imported here: see the import contracts in pyproject.toml), so they name
this protocol instead; mypy checks the real Store against it wherever one is
passed (the TUI's database worker, the CLI). Only for type checking: nothing
imports this module at run time."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from warroom.core.model import (
    ActionItem,
    CheckState,
    Draft,
    Incident,
    Proposal,
    RetroText,
    RoleHolder,
    Task,
    TimelineEntry,
    Why,
)
from warroom.core.policy import Policy


class StorePort(Protocol):
    policy: Policy

    def get_incident(self, incident_id: int) -> Incident: ...
    def save_draft(self, incident_id: int, text: str, base_version: int) -> Draft: ...
    def record_event(
        self, incident_id: int, text: str, event: str, **data: Any
    ) -> TimelineEntry: ...
    def publish_update(
        self,
        incident_id: int,
        text: str,
        at: datetime | None = None,
        status: str | None = None,
        components: dict[str, str] | None = None,
    ) -> TimelineEntry: ...
    def merge_proposal(self, proposal_id: int, incident_id: int) -> Incident: ...
    def draft(self, incident_id: int) -> Draft: ...
    def decline_proposal(self, proposal_id: int, reason: str) -> Proposal: ...
    def close_incident(
        self, incident_id: int, resolution: str, at: datetime | None = None
    ) -> Incident: ...
    def update_action(
        self, action_id: int, title: str, owner: str = "", due: date | None = None, ticket: str = ""
    ) -> ActionItem: ...
    def unassign(
        self, incident_id: int, role: str, person: str | None = None, at: datetime | None = None
    ) -> None: ...
    def set_task_status(self, task_id: int, status: str, note: str = "") -> Task: ...
    def set_stage(self, incident_id: int, stage: str, at: datetime | None = None) -> Incident: ...
    def set_root_cause(self, incident_id: int, text: str, base: str | None = None) -> RetroText: ...
    def set_public_title(self, incident_id: int, title: str) -> Incident: ...
    def set_priority(
        self, incident_id: int, priority: str, at: datetime | None = None
    ) -> Incident: ...
    def set_milestone(
        self, incident_id: int, clock: str, at: datetime | None, new: bool = False
    ) -> Incident: ...
    def set_check(
        self, incident_id: int, item_id: str, ticked: bool, at: datetime | None = None
    ) -> CheckState: ...
    def set_change_impact(self, entry_id: int, impact: str, note: str = "") -> TimelineEntry: ...
    def set_action_done(self, action_id: int, done: bool = True) -> ActionItem: ...
    def save_why(
        self,
        incident_id: int,
        position: int,
        question: str,
        answer: str,
        base: tuple[str, str] | None = None,
    ) -> Why: ...
    def reopen_incident(self, incident_id: int, reason: str = "") -> Incident: ...
    def record_milestone(
        self, incident_id: int, clock: str, at: datetime | None = None
    ) -> Incident: ...
    def proposal(self, proposal_id: int) -> Proposal: ...
    def make_real(self, incident_id: int, reason: str = "") -> Incident: ...
    def keyed(self, key: str | None) -> AbstractContextManager[None]: ...
    def declare(
        self,
        title: str,
        category: str | None = None,
        priority: str = "untriaged",
        reported_at: datetime | None = None,
        stage: str | None = None,
        impact_started_at: datetime | None = None,
        drill: bool = False,
    ) -> Incident: ...
    def correct(
        self, entry_id: int, text: str | None = None, at: datetime | None = None
    ) -> TimelineEntry: ...
    def assign_task(self, task_id: int, person: str) -> Task: ...
    def assign(
        self, incident_id: int, role: str, person: str, at: datetime | None = None
    ) -> RoleHolder: ...
    def add_task(
        self,
        incident_id: int,
        title: str,
        *,
        role: str = "",
        assignee: str = "",
        due_at: datetime | None = None,
        description: str = "",
    ) -> Task: ...
    def add_entry(
        self,
        incident_id: int,
        text: str,
        kind: str = "note",
        occurred_at: datetime | None = None,
        supersedes: int | None = None,
    ) -> TimelineEntry: ...
    def add_action(
        self,
        incident_id: int,
        title: str,
        owner: str = "",
        due: date | None = None,
        ticket: str = "",
    ) -> ActionItem: ...
    def acting(self, identity: str) -> AbstractContextManager[None]: ...
    def accept_proposal(
        self, proposal_id: int, category: str | None, priority: str, title: str | None = None
    ) -> Incident: ...
