"""The retro: five whys, the root cause, the public title, action items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from warroom.core.errors import (
    NotFound,
    UsageError,
)
from warroom.core.model import (
    ACTION_DONE,
    ACTION_OPEN,
    ActionItem,
    Incident,
    Retro,
    RetroText,
    Why,
    from_iso,
)
from warroom.core.ordering import settle_edit, stronger_note
from warroom.core.record import replace
from warroom.core.text import (
    MAX_DRAFT,
    MAX_SHORT,
    check_length,
    clean_name,
    clean_title,
)
from warroom.store.base import StoreBase, _Later, on_what_was_read
from warroom.store.newid import NewId
from warroom.store.schema import select_list


class RetroStore(StoreBase):
    """The retro and its action items."""

    def retro(self, incident_id: int) -> Retro:
        """The five whys, the root cause and the action items, in one snapshot
        (on a server one round trip; the whys are what a why's save goes on)."""
        if not 0 < incident_id < 2**63:
            raise NotFound(f"no incident with id {incident_id}")
        with self._snapshot():
            incident = self._issue("SELECT * FROM incidents WHERE id = ?", (incident_id,))
            whys = self._issue(
                "SELECT position, question, answer, updated_by, updated_at FROM whys"
                " WHERE incident_id = ? ORDER BY position",
                (incident_id,),
            )
            actions = self._issue(
                f"SELECT {self._ACTION_COLUMNS} FROM action_items WHERE incident_id = ?"
                " ORDER BY id",
                (incident_id,),
            )
            rows = incident.dicts()
        if not rows:
            raise NotFound(f"no incident with id {incident_id}")
        read = self._row_incident(rows[0])
        saved = tuple(
            Why(r[0], r[1] or "", r[2] or "", r[3] or "", from_iso(r[4])) for r in whys.rows()
        )
        retro = Retro(saved, read.root_cause, tuple(self._row_action(r) for r in actions.rows()))
        self._remember_read(read)
        self._remember_retro(read, retro)
        return retro

    def _remember_retro(self, incident: Incident, retro: Retro) -> None:
        """The retro as read at the incident's revision (a server only), which
        a why's save and an action item's change go on while the incident is
        still there."""
        if self._pipelined:
            self._retros_read[incident.id] = (incident.revision, retro)

    def _retro_as_read(self, incident: Incident) -> Retro | None:
        """Inside a write on the incident as read: the retro read at its revision."""
        kept = self._retros_read.get(incident.id)
        return kept[1] if kept is not None and kept[0] == incident.revision else None

    def _action_as_read(self, action_id: int) -> ActionItem:
        """Inside a write: an action item as the retro last read it, when its
        incident is still at that revision (guarded as _incident_as_read: no
        round trip); else read now."""
        for incident_id, (revision, retro) in self._retros_read.items():
            known = self._known(incident_id)
            if known is None or known[0].revision != revision:
                continue
            for item in retro.actions:
                if item.id == action_id:
                    self._guard_as_read(known[0])
                    values = {"title": item.title, "owner": item.owner, "status": item.status}
                    self._guard_row("action_items", action_id, values)
                    return item
        return self.action_item(action_id)

    @on_what_was_read
    def save_why(
        self,
        incident_id: int,
        position: int,
        question: str,
        answer: str,
        base: tuple[str, str] | None = None,
    ) -> Why:
        """Save one level of the five whys (positions from 1; saved as typed).

        base is the (question, answer) the editor started from: an edit saved
        by someone else since is merged (merge3), or, where both changed the
        same words, kept aside in a timeline entry. Without a base (the CLI
        sets a why whole), text it replaces is kept in a timeline entry."""
        if position < 1 or position > 20:
            raise UsageError("a why's position runs from 1 to 20")
        check_length(question, MAX_SHORT, "question")
        check_length(answer, MAX_SHORT, "answer")
        with self._write():
            incident = self._known_incident(incident_id)
            retro = self._retro_as_read(incident) if incident is not None else None
            whys = retro.whys if retro is not None else None
            now = self._now()
            if whys is not None:  # as read with the incident (guarded): no round trip
                current = next(
                    ((w.question, w.answer) for w in whys if w.position == position), ("", "")
                )
            else:
                if incident is None:
                    self._require(incident_id)
                row = self.db.execute(
                    "SELECT question, answer FROM whys WHERE incident_id = ? AND position = ?",
                    (incident_id, position),
                ).fetchone()
                current = (row[0] or "", row[1] or "") if row else ("", "")
            what = f"Why {position}"
            question, asked = self._merge_edit(
                incident_id,
                f"{what} (question)",
                base and base[0],
                question,
                current[0],
                MAX_SHORT,
            )
            answer, answered = self._merge_edit(
                incident_id, f"{what} (answer)", base and base[1], answer, current[1], MAX_SHORT
            )
            self.db.execute(
                "INSERT INTO whys (incident_id, position, question, answer,"
                " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (incident_id, position) DO UPDATE SET question = excluded.question,"
                " answer = excluded.answer, updated_by = excluded.updated_by,"
                " updated_at = excluded.updated_at",
                (incident_id, position, question, answer, self.identity, now),
            )
            self._touch(incident_id)
        saved = Why(position, question, answer, self.identity, from_iso(now))
        if retro is not None and whys is not None:
            # What the next save goes on: the whys as this one left them.
            after = self._as_read.get(incident_id)
            if after is not None:
                kept = {w.position: w for w in whys} | {position: saved}
                now_read = replace(retro, whys=tuple(kept[p] for p in sorted(kept)))
                self._remember_retro(after[0], now_read)
        note = stronger_note(asked, answered)
        return Why(position, question, answer, self.identity, from_iso(now), note)

    @on_what_was_read
    def set_root_cause(self, incident_id: int, text: str, base: str | None = None) -> RetroText:
        """Save the root-cause summary; base as for save_why."""
        check_length(text, MAX_DRAFT, "root cause")
        with self._write():
            current = self._incident_as_read(incident_id).root_cause
            text, note = self._merge_edit(incident_id, "Root cause", base, text, current, MAX_DRAFT)
            self.db.execute("UPDATE incidents SET root_cause = ? WHERE id = ?", (text, incident_id))
            self._touch(incident_id)
        return RetroText(text, note)

    @on_what_was_read
    def set_public_title(self, incident_id: int, title: str) -> Incident:
        """The title stakeholders see; "" takes it away (public outputs then say
        there is none: they never fall back to the internal title)."""
        title = clean_title(title) if title.strip() else ""
        with self._write():
            incident = self._incident_as_read(incident_id)
            if incident.public_title == title:
                return incident
            self.db.execute(
                "UPDATE incidents SET public_title = ? WHERE id = ?", (title, incident_id)
            )
            text = f"Public title set: {title}" if title else "Public title removed"
            self._system(
                incident_id, text, "public_title.change", old=incident.public_title, new=title
            )
        return self._incident_after(incident_id)

    @on_what_was_read
    def set_root_cause_public(self, incident_id: int, public: bool) -> Incident:
        """Whether public outputs carry the retro's root cause (they do not by default)."""
        with self._write():
            incident = self._incident_as_read(incident_id)
            if incident.root_cause_public == public:
                return incident
            self.db.execute(
                "UPDATE incidents SET root_cause_public = ? WHERE id = ?",
                (int(public), incident_id),
            )
            text = "Root cause made public" if public else "Root cause made private"
            self._system(incident_id, text, "root_cause.public", public=public)
        return self._incident_after(incident_id)

    def _merge_edit(
        self, incident_id: int, what: str, base: str | None, text: str, current: str, limit: int
    ) -> tuple[str, str]:
        """What to store and its note (ordering.settle_edit); an edit kept
        aside is said in a timeline entry: nothing is lost."""
        stored, note = settle_edit(base, text, current, limit)
        if note == "kept aside":
            if base is not None:
                said = (
                    f"{what}: {self.identity}'s edit and one made meanwhile clashed;"
                    " that one read: "
                )
            else:
                said = f"{what} replaced by {self.identity}; it read: "
            self._system(incident_id, said + current, "retro.kept_aside", field=what)
        return stored, note

    @staticmethod
    def _row_action(row: tuple[Any, ...]) -> ActionItem:
        return ActionItem(
            id=row[0],
            incident_id=row[1],
            title=row[2],
            owner=row[3] or "",
            due=date.fromisoformat(row[4]) if row[4] else None,
            ticket=row[5] or "",
            status=row[6],
            created_by=row[7] or "",
            created_at=from_iso(row[8]),
            completed_at=from_iso(row[11]),
        )

    _ACTION_COLUMNS = select_list("action_items")  # in _row_action's order

    def action_items(self, incident_id: int) -> list[ActionItem]:
        rows = self.db.execute(
            f"SELECT {self._ACTION_COLUMNS} FROM action_items WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        )
        return [self._row_action(r) for r in rows]

    def action_item(self, action_id: int) -> ActionItem:
        row = self.db.execute(
            f"SELECT {self._ACTION_COLUMNS} FROM action_items WHERE id = ?", (action_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no action item with id {action_id}")
        return self._row_action(row)

    @staticmethod
    def _clean_action(title: str, owner: str, due: date | None, ticket: str) -> tuple[Any, ...]:
        title = title.strip()
        if not title:
            raise UsageError("an action item needs a title")
        check_length(title, MAX_SHORT, "action item title")
        owner = clean_name(owner, "owner") if owner.strip() else ""
        check_length(ticket, 200, "ticket reference")
        return title, owner, due.isoformat() if due else None, ticket.strip()

    def add_action(
        self,
        incident_id: int,
        title: str,
        owner: str = "",
        due: date | None = None,
        ticket: str = "",
    ) -> ActionItem:
        title, owner, due_text, ticket = self._clean_action(title, owner, due, ticket)
        with self._write():
            self._require(incident_id)  # at the server, with the insert
            now = self._now()
            inserted = self._issue(
                "INSERT INTO action_items (incident_id, title, owner, due, ticket, status,"
                " created_by, created_at, updated_by, updated_at)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {self._ACTION_COLUMNS}",
                (
                    incident_id,
                    title,
                    owner,
                    due_text,
                    ticket,
                    ACTION_OPEN,
                    self.identity,
                    now,
                    self.identity,
                    now,
                ),
            )
            inserted.find = (incident_id,)
            # Its id, which the entry names: on a server filled in there.
            named: Any = NewId("action_items") if self._pipelined else inserted.rows()[0][0]
            if owner:
                self._remember_person(owner)
            self._system(incident_id, f"Action item added: {title}", "action.add", action=named)
        added = self._row_action(
            self._inserted(inserted, "action_items", self._ACTION_COLUMNS, now)
        )
        return added  # as inserted: one round trip on a server

    @on_what_was_read
    def update_action(
        self,
        action_id: int,
        title: str,
        owner: str = "",
        due: date | None = None,
        ticket: str = "",
    ) -> ActionItem:
        title, owner, due_text, ticket = self._clean_action(title, owner, due, ticket)
        with self._write():
            item = self._action_as_read(action_id)  # its incident's, to move its revision
            updated = self._issue(
                "UPDATE action_items SET title = ?, owner = ?, due = ?, ticket = ?,"
                f" updated_by = ?, updated_at = ? WHERE id = ? RETURNING {self._ACTION_COLUMNS}",
                (title, owner, due_text, ticket, self.identity, self._now(), action_id),
            )
            if owner:
                self._remember_person(owner)
            self._touch(item.incident_id)
        return self._action_written(updated, action_id)

    def _action_written(self, updated: _Later, action_id: int) -> ActionItem:
        """An action item as a write's UPDATE returned it (read again when
        the answer to COMMIT was lost with the connection)."""
        row = self._returned(updated.one, lambda: None)
        return self._row_action(row) if row is not None else self.action_item(action_id)

    @on_what_was_read
    def set_action_done(self, action_id: int, done: bool = True) -> ActionItem:
        with self._write():
            item = self._action_as_read(action_id)
            if item.done == done:
                return item
            now = self._now()
            updated = self._issue(
                "UPDATE action_items SET status = ?, completed_at = ?, updated_by = ?,"
                f" updated_at = ? WHERE id = ? RETURNING {self._ACTION_COLUMNS}",
                (
                    ACTION_DONE if done else ACTION_OPEN,
                    now if done else None,
                    self.identity,
                    now,
                    action_id,
                ),
            )
            verb = "completed" if done else "reopened"
            self._system(
                item.incident_id,
                f"Action item {verb}: {item.title}",
                "action.done" if done else "action.reopen",
                action=action_id,
            )
        return self._action_written(updated, action_id)

    def overdue_actions(self, today: date) -> dict[int, int]:
        """incident id -> open action items whose due date has passed."""
        return self.send_overdue_actions(today)()

    def send_overdue_actions(self, today: date) -> Callable[[], dict[int, int]]:
        """overdue_actions in two steps (see StoreBase.read_together)."""
        rows = self._issue(
            "SELECT incident_id, count(*) FROM action_items WHERE status = ? AND due < ?"
            " GROUP BY incident_id",
            (ACTION_OPEN, today.isoformat()),
        )
        return lambda: {r[0]: int(r[1]) for r in rows.rows()}
