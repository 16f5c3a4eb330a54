"""Writes as typed records: what the TUI's queue holds, what the store applies,
what the unsaved file keeps and what a later start can replay.

A write is a small frozen record naming one change (a note, a tick, a
hand-off...) with the values it needs; `apply(store)` makes the change in one
store transaction. A queued write travels in an `Envelope` with its
idempotency key (stored with the transaction, so the same envelope applied
twice changes the database once: a retry after a lost answer to COMMIT, a
replay of the unsaved file), who typed it and when. Envelopes turn into one
JSON object each (`to_json`) and back (`from_json`), so nothing typed is kept
only as text that cannot be replayed."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, dataclass_transform

from warroom.core.record import record, replace
from warroom.core.text import one_line

if TYPE_CHECKING:
    from warroom.core.model import Board
    from warroom.core.policy import Policy
    from warroom.core.ports import StorePort

KINDS: dict[str, type[Write]] = {}


class Write:
    """A change to apply; each kind below is a @record of its fields."""

    kind: ClassVar[str] = ""
    __record_fields__: ClassVar[tuple[str, ...]] = ()

    def apply(self, store: StorePort) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        """One line for people: what the queue holds ('note: disk at 98%')."""
        texts = [v for v in self.values().values() if isinstance(v, str) and v]
        return " ".join([self.kind.replace(".", " "), *(one_line(t)[:30] for t in texts[:2])])

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__record_fields__}

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        """The board as it will be once this write lands: what a screen shows
        while it is pending (None: this write does not change the board)."""
        return None


# Bound to the class itself, not its name: a name is compiled by typing as
# the module loads.
W = TypeVar("W", bound=Write)


def project(board: Board, pending: list[Envelope], policy: Policy) -> Board:
    """The board with the writes not yet landed (or not yet read back)
    applied on top, in order: what the war room shows, so a key typed next
    acts on what the person sees (a second space unticks the box just ticked)."""
    for envelope in pending:
        write = envelope.write
        if getattr(write, "incident_id", None) != board.incident.id:
            continue
        try:
            shown = write.on_board(board, envelope.actor, envelope.typed_at, policy)
        except Exception:  # noqa: BLE001 - a write the store will refuse: shown as it is
            shown = None
        if shown is not None:
            board = shown
    return board


@dataclass_transform(frozen_default=True)
def kind(name: str) -> Callable[[type[W]], type[W]]:
    """Register a write kind under name (the key of its JSON)."""

    def register(cls: type[W]) -> type[W]:
        cls = record(cls)
        cls.kind = name
        KINDS[name] = cls
        return cls

    return register


def _refresh_page(store: StorePort) -> None:
    """The status page follows a change stakeholders see (when the policy
    names its folder). The change itself is made either way; a page that
    could not be written shows its age in "last updated"."""
    if store.policy.status_page.dir:
        from warroom.services.usecases import refresh_status_page

        refresh_status_page(store, store.policy)


# ----------------------------------------------------------------- the kinds
@kind("note")
class AddEntry(Write):
    incident_id: int
    text: str
    kind_of: str = "note"
    occurred_at: datetime | None = None

    def apply(self, store: StorePort) -> Any:
        return store.add_entry(self.incident_id, self.text, self.kind_of, self.occurred_at)

    def describe(self) -> str:
        return f"{self.kind_of}: {one_line(self.text)[:50]}"


@kind("correct")
class Correct(Write):
    entry_id: int
    text: str | None = None
    at: datetime | None = None

    def apply(self, store: StorePort) -> Any:
        entry = store.correct(self.entry_id, self.text, self.at)
        if entry.public:  # a published update as it now stands: the status page follows
            _refresh_page(store)
        return entry


@kind("impact")
class SetChangeImpact(Write):
    entry_id: int
    impact: str
    note: str = ""

    def apply(self, store: StorePort) -> Any:
        return store.set_change_impact(self.entry_id, self.impact, self.note)


@kind("why")
class SaveWhy(Write):
    incident_id: int
    position: int
    question: str
    answer: str
    base: tuple[str, str] | None = None

    def apply(self, store: StorePort) -> Any:
        # (question, answer): a list once it has been through the unsaved file's JSON
        base = (self.base[0], self.base[1]) if self.base is not None else None
        return store.save_why(self.incident_id, self.position, self.question, self.answer, base)

    def describe(self) -> str:
        return f"why {self.position}"


@kind("root-cause")
class SetRootCause(Write):
    incident_id: int
    text: str
    base: str | None = None

    def apply(self, store: StorePort) -> Any:
        return store.set_root_cause(self.incident_id, self.text, self.base)

    def describe(self) -> str:
        return "the root cause"


@kind("action.add")
class AddAction(Write):
    incident_id: int
    title: str
    owner: str = ""
    due: date | None = None
    ticket: str = ""

    def apply(self, store: StorePort) -> Any:
        return store.add_action(self.incident_id, self.title, self.owner, self.due, self.ticket)


@kind("action.edit")
class UpdateAction(Write):
    action_id: int
    title: str
    owner: str = ""
    due: date | None = None
    ticket: str = ""

    def apply(self, store: StorePort) -> Any:
        return store.update_action(self.action_id, self.title, self.owner, self.due, self.ticket)


@kind("action.done")
class SetActionDone(Write):
    action_id: int
    done: bool = True

    def apply(self, store: StorePort) -> Any:
        return store.set_action_done(self.action_id, self.done)


@kind("close")
class Close(Write):
    incident_id: int
    resolution: str
    at: datetime | None = None

    def apply(self, store: StorePort) -> Any:
        incident = store.close_incident(self.incident_id, self.resolution, self.at)
        _refresh_page(store)
        return incident


@kind("draft.closed")
class DraftClosedAnnouncement(Write):
    """The communicator's 'incident closed' message, drafted after a close."""

    incident_id: int
    at: datetime

    def apply(self, store: StorePort) -> Any:
        from warroom.services.usecases import draft_closed_announcement

        incident = store.get_incident(self.incident_id)
        return draft_closed_announcement(store, store.policy, incident, self.at)

    def describe(self) -> str:
        return "the 'incident closed' draft"


@kind("reopen")
class Reopen(Write):
    incident_id: int
    reason: str = ""

    def apply(self, store: StorePort) -> Any:
        incident = store.reopen_incident(self.incident_id, self.reason)
        _refresh_page(store)
        return incident


@kind("check")
class SetCheck(Write):
    incident_id: int
    item_id: str
    ticked: bool

    def apply(self, store: StorePort) -> Any:
        return store.set_check(self.incident_id, self.item_id, self.ticked)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        from warroom.core.model import CheckState

        checklist = {
            **board.checklist,
            self.item_id: CheckState(self.item_id, self.ticked, actor, at),
        }
        return replace(board, checklist=checklist)

    def describe(self) -> str:
        return f"{'tick' if self.ticked else 'untick'} {one_line(self.item_id)[:30]}"


@kind("assign")
class Assign(Write):
    incident_id: int
    role: str
    person: str
    at: datetime | None = None  # '@23:10 alice': when the hand-off happened, if earlier

    def apply(self, store: StorePort) -> Any:
        return store.assign(self.incident_id, self.role, self.person, self.at)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        from warroom.core.model import RoleHolder

        role = policy.match_role(self.role)
        holders = board.roles
        if any(r.role == role and r.person == self.person for r in holders):
            return None
        previous = None
        if role != policy.multi_role:
            previous = next((r.person for r in holders if r.role == role), None)
            holders = tuple(r for r in holders if r.role != role)
        holder = RoleHolder(role, self.person, actor, self.at or at, previous)
        return replace(board, roles=(*holders, holder))


@kind("unassign")
class Unassign(Write):
    incident_id: int
    role: str
    person: str | None = None

    def apply(self, store: StorePort) -> Any:
        return store.unassign(self.incident_id, self.role, self.person)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        role = policy.match_role(self.role)
        roles = tuple(
            r
            for r in board.roles
            if not (r.role == role and (self.person is None or r.person == self.person))
        )
        return replace(board, roles=roles)


@kind("milestone")
class RecordMilestone(Write):
    incident_id: int
    clock: str
    at: datetime | None = None

    def apply(self, store: StorePort) -> Any:
        return store.record_milestone(self.incident_id, self.clock, self.at)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        return _milestone_on_board(board, self.clock, self.at or at)


@kind("milestone.move")
class SetMilestone(Write):
    """Move a recorded milestone to another time, or withdraw it (at None)."""

    incident_id: int
    clock: str
    at: datetime | None = None

    def apply(self, store: StorePort) -> Any:
        return store.set_milestone(self.incident_id, self.clock, self.at)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        return _milestone_on_board(board, self.clock, self.at)


def _milestone_on_board(board: Board, clock: str, moment: datetime | None) -> Board | None:
    from warroom.core.policy import MILESTONE_FIELDS

    field = MILESTONE_FIELDS.get(clock)
    if field is None:
        return None
    return replace(board, incident=replace(board.incident, **{field: moment}))


@kind("draft")
class SaveDraft(Write):
    incident_id: int
    text: str
    base_version: int

    def apply(self, store: StorePort) -> Any:
        # Saves of one editor follow each other: one typed before the last
        # one's answer came back starts from the version that one made (not a
        # concurrent edit to merge with ours), as the editor itself would.
        chain = _DRAFT_CHAINS.setdefault(store, {})
        base = self.base_version
        before = chain.get(self.incident_id)
        if before is not None and before[0] == base:
            base = before[1]
        draft = store.save_draft(self.incident_id, self.text, base)
        chain[self.incident_id] = (self.base_version, draft.version)
        return draft

    def describe(self) -> str:
        return "the draft update"


# store -> incident -> (the base an editor's last save gave, the version it made)
_DRAFT_CHAINS: weakref.WeakKeyDictionary[StorePort, dict[int, tuple[int, int]]] = (
    weakref.WeakKeyDictionary()
)


@kind("publish")
class Publish(Write):
    """An update to stakeholders, with what the status page shows with it:
    the public status (None: as the last update) and component states as
    "id=state" (the CLI's --component)."""

    incident_id: int
    text: str
    status: str | None = None
    components: tuple[str, ...] = ()

    def apply(self, store: StorePort) -> Any:
        from warroom.services.usecases import public_choices

        status, components = public_choices(self.status, self.components)
        entry = store.publish_update(self.incident_id, self.text, None, status, components)
        _refresh_page(store)
        return entry

    def describe(self) -> str:
        return f"publish: {one_line(self.text)[:40]}"


@kind("priority")
class SetPriority(Write):
    incident_id: int
    priority: str

    def apply(self, store: StorePort) -> Any:
        return store.set_priority(self.incident_id, self.priority)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        priority = policy.match_priority(self.priority)
        return replace(board, incident=replace(board.incident, priority=priority))


@kind("public-title")
class SetPublicTitle(Write):
    """What stakeholders see the incident called (empty: no public title)."""

    incident_id: int
    title: str

    def apply(self, store: StorePort) -> Any:
        incident = store.set_public_title(self.incident_id, self.title)
        _refresh_page(store)  # the page never keeps a title taken back
        return incident

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        return replace(board, incident=replace(board.incident, public_title=self.title.strip()))


@kind("stage")
class SetStage(Write):
    incident_id: int
    stage: str

    def apply(self, store: StorePort) -> Any:
        return store.set_stage(self.incident_id, self.stage)

    def on_board(self, board: Board, actor: str, at: datetime, policy: Policy) -> Board | None:
        stage = policy.match_stage(self.stage)
        return replace(board, incident=replace(board.incident, stage=stage))


@kind("declare")
class Declare(Write):
    title: str
    category: str | None = None
    priority: str = "untriaged"
    reported_at: datetime | None = None
    drill: bool = False

    def apply(self, store: StorePort) -> Any:
        return store.declare(
            self.title, self.category, self.priority, self.reported_at, drill=self.drill
        )

    def describe(self) -> str:
        return f"declare: {one_line(self.title)[:40]}"


@kind("event")
class RecordEvent(Write):
    """What a publish hook did, tied to the update's entry."""

    incident_id: int
    text: str
    event: str
    entry: int | None = None

    def apply(self, store: StorePort) -> Any:
        data = {} if self.entry is None else {"entry": self.entry}
        return store.record_event(self.incident_id, self.text, self.event, **data)


@kind("real")
class MakeReal(Write):
    incident_id: int
    reason: str = ""

    def apply(self, store: StorePort) -> Any:
        return store.make_real(self.incident_id, self.reason)

    def describe(self) -> str:
        return "turn the drill into a real incident"


@kind("intake.accept")
class AcceptProposal(Write):
    proposal_id: int
    category: str | None = None
    priority: str | None = None

    def apply(self, store: StorePort) -> Any:
        from warroom.services.usecases import accept_proposal

        return accept_proposal(store, store.policy, self.proposal_id, self.category, self.priority)

    def describe(self) -> str:
        return f"accept proposal {self.proposal_id}"


@kind("intake.decline")
class DeclineProposal(Write):
    proposal_id: int
    reason: str

    def apply(self, store: StorePort) -> Any:
        return store.decline_proposal(self.proposal_id, self.reason)

    def describe(self) -> str:
        return f"decline proposal {self.proposal_id}: {one_line(self.reason)[:40]}"


@kind("intake.merge")
class MergeProposal(Write):
    proposal_id: int
    incident_id: int

    def apply(self, store: StorePort) -> Any:
        return store.merge_proposal(self.proposal_id, self.incident_id)

    def describe(self) -> str:
        return f"merge proposal {self.proposal_id} into #{self.incident_id}"


@kind("task.state")
class SetTaskState(Write):
    """Start, finish, skip (with a reason) or reopen a task."""

    task_id: int
    incident_id: int
    status: str
    note: str = ""

    def apply(self, store: StorePort) -> Any:
        return store.set_task_status(self.task_id, self.status, self.note)

    def describe(self) -> str:
        return f"task {self.status}: #{self.task_id}"


@kind("task.assign")
class AssignTask(Write):
    """Give a task to a person ("" gives it back to its role's holder)."""

    task_id: int
    incident_id: int
    person: str = ""

    def apply(self, store: StorePort) -> Any:
        return store.assign_task(self.task_id, self.person)

    def describe(self) -> str:
        return f"task #{self.task_id} to {one_line(self.person)[:30] or 'its role'}"


@kind("task.add")
class AddTask(Write):
    incident_id: int
    title: str
    role: str = ""
    assignee: str = ""
    due_at: datetime | None = None

    def apply(self, store: StorePort) -> Any:
        return store.add_task(
            self.incident_id,
            self.title,
            role=self.role,
            assignee=self.assignee,
            due_at=self.due_at,
        )

    def describe(self) -> str:
        return f"task: {one_line(self.title)[:40]}"


# ------------------------------------------------------------- the envelope
def new_key() -> str:
    """An idempotency key: 128 random bits, as 32 hex digits."""
    return os.urandom(16).hex()


class Envelope:
    """A write on its way: the record, its idempotency key, who typed it, when."""

    __slots__ = ("write", "key", "actor", "typed_at")

    def __init__(
        self, write: Write, actor: str, typed_at: datetime, key: str | None = None
    ) -> None:
        self.write = write
        self.key = key or new_key()
        self.actor = actor
        self.typed_at = typed_at

    def apply(self, store: StorePort) -> Any:
        """Apply once: as the person who typed it, under its key."""
        with store.acting(self.actor), store.keyed(self.key):
            return self.write.apply(store)

    def describe(self) -> str:
        return self.write.describe()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.write.kind,
            "key": self.key,
            "actor": self.actor,
            "typed_at": self.typed_at.isoformat(),
            "what": self.describe(),
            "fields": {name: _dump(value) for name, value in self.write.values().items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Envelope:
        """The envelope a line of the unsaved file holds; ValueError when it is
        not one (an unknown kind, a missing or mistyped field)."""
        try:
            kind_cls = KINDS[data["kind"]]
            fields = data["fields"]
            hints = kind_cls.__annotations__
            values = {name: _load(hints[name], fields[name]) for name in fields}
            write = kind_cls(**values)
            typed_at = datetime.fromisoformat(data["typed_at"])
            key, actor = data["key"], data["actor"]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a kept change: {exc}") from None
        if not isinstance(key, str) or not isinstance(actor, str) or len(key) > 64:
            raise ValueError("not a kept change: bad key or actor")
        return cls(write, actor, typed_at, key)


def _dump(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


_SIMPLE = {"int": int, "str": str, "bool": bool}


def _load(hint: str, value: Any) -> Any:
    """A JSON value back as the field's type (hints are strings here)."""
    if value is None:
        if "None" not in hint:
            raise ValueError(f"a value is missing for {hint}")
        return None
    base = hint.replace(" | None", "")
    if base == "datetime":
        return datetime.fromisoformat(value)
    if base == "date":
        return date.fromisoformat(value)
    if base.startswith("tuple"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of text for {hint}")
        return tuple(value)
    wanted = _SIMPLE[base]
    if type(value) is not wanted:  # bool is not int here, nor int bool
        raise ValueError(f"expected {base}, got {type(value).__name__}")
    return value
