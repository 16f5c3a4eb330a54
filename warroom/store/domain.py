"""The one Store the rest of warroom uses, composed of its parts by area.

Store speaks portable SQL through a backend (store/sqlite.py, store/postgres.py)
that owns the engine: the write lock, reads, the change marker. Every write is a
single short transaction that also appends the matching timeline entry, so the
audit trail cannot be forgotten and concurrent writers never interleave
half-done changes.

Each part is a mixin of StoreBase (store/base.py: the backend, the write
transaction, the timeline entry and the row mappers) holding the statements of
one area; the rules that need no SQL (what comes before what, which correction
stands, how two edits are settled) are pure functions in warroom/core/ordering.py."""

from __future__ import annotations

from warroom.store.drafts import DRILL_MARK, DraftStore
from warroom.store.incidents import IncidentStore
from warroom.store.intake import IntakeStore
from warroom.store.keys import WriteKeyStore
from warroom.store.reports import ReportStore
from warroom.store.retro import RetroStore
from warroom.store.roles import RoleStore
from warroom.store.tasks import TaskStore
from warroom.store.timeline import TimelineStore

__all__ = ["DRILL_MARK", "Store"]


class Store(
    IncidentStore,
    TimelineStore,
    RoleStore,
    DraftStore,
    RetroStore,
    ReportStore,
    IntakeStore,
    TaskStore,
    WriteKeyStore,
):
    """Open with Store.open(); every method returns domain objects."""
