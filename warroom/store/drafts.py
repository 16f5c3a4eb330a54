"""The stakeholder update: the communicator's draft (merged, its history
kept) and publishing it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.core.errors import (
    DraftConflict,
    UsageError,
)
from warroom.core.model import (
    UPDATE,
    Draft,
    DraftVersion,
    TimelineEntry,
    from_iso,
    to_iso,
)
from warroom.core.ordering import merge_draft
from warroom.core.public import public_states
from warroom.core.record import replace
from warroom.core.text import (
    MAX_DRAFT,
    check_length,
)
from warroom.store.base import StoreBase, on_what_was_read

DRILL_MARK = "[DRILL]"  # leads every published update of a drill


class DraftStore(StoreBase):
    """The draft and published updates."""

    _DRAFT = "SELECT text, version, updated_by, updated_at FROM drafts WHERE incident_id = ?"

    @staticmethod
    def _row_draft(row: tuple[Any, ...] | None) -> Draft:
        if row is None:
            return Draft("", 0, "", None)
        return Draft(row[0], row[1], row[2] or "", from_iso(row[3]))

    def draft(self, incident_id: int) -> Draft:
        return self._row_draft(self.db.execute(self._DRAFT, (incident_id,)).fetchone())

    @on_what_was_read
    def save_draft(self, incident_id: int, text: str, base_version: int) -> Draft:
        """Save the communicator's draft, merged with anything saved since base_version.

        Every version is kept in the draft history. When someone else saved
        since base_version, both edits are merged against the base (merge3);
        when they clash, or the merge would pass the limit, this text is saved
        and theirs stays in the history, a timeline entry tells everyone, and
        DraftConflict tells this writer. The draft never grows past MAX_DRAFT."""
        check_length(text, MAX_DRAFT, "draft update")
        conflict = None
        with self._write():
            # The draft as the board was last read (guarded at the server: one
            # round trip), else read now.
            board = self._board_as_read(incident_id)
            if board is not None:
                current = board.draft
            else:
                self._require(incident_id)
                current = self.draft(incident_id)
            now = self._now()
            note = ""
            if current.version != base_version and current.text != text:
                base = self._draft_version_text(incident_id, base_version)
                merged = merge_draft(base, text, current.text, MAX_DRAFT)
                if merged is not None:
                    text = merged
                    note = f"merged with v{current.version} by {current.updated_by}"
                else:
                    note = f"kept aside v{current.version} by {current.updated_by}"
                    conflict = current
                    self._system(
                        incident_id,
                        f"Draft update: {self.identity}'s edit and {current.updated_by}'s "
                        f"clashed; v{current.version} by {current.updated_by} is kept "
                        f"in the draft history",
                        "draft.conflict",
                        kept=current.version,
                    )
            version = current.version + 1
            self.db.execute(
                "INSERT INTO drafts (incident_id, text, version, updated_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET"
                " text = excluded.text, version = excluded.version,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (incident_id, text, version, self.identity, now),
            )
            self.db.execute(
                "INSERT INTO draft_versions"
                " (incident_id, version, text, saved_by, saved_at, note) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (incident_id, version) DO UPDATE SET text = excluded.text,"
                " saved_by = excluded.saved_by, saved_at = excluded.saved_at,"
                " note = excluded.note",
                (incident_id, version, text, self.identity, now, note),
            )
            self._touch(incident_id)
        saved = Draft(text, version, self.identity, from_iso(now))  # as written
        if conflict is not None:
            raise DraftConflict(
                f"{conflict.updated_by} changed the same words of the draft while you were "
                f"editing; yours is saved, theirs (v{conflict.version}) is kept in the "
                f"draft history",
                saved.version,
                saved.text,
            )
        return replace(saved, note=note)

    def _draft_version_text(self, incident_id: int, version: int) -> str | None:
        if version == 0:
            return ""
        row = self.db.execute(
            "SELECT text FROM draft_versions WHERE incident_id = ? AND version = ?",
            (incident_id, version),
        ).fetchone()
        return None if row is None else row[0]

    def draft_history(self, incident_id: int) -> list[DraftVersion]:
        """Every saved version of the draft, oldest first."""
        self.get_incident(incident_id)
        rows = self.db.execute(
            "SELECT version, text, saved_by, saved_at, note FROM draft_versions"
            " WHERE incident_id = ? ORDER BY version",
            (incident_id,),
        ).fetchall()
        return [DraftVersion(r[0], r[1], r[2] or "", from_iso(r[3]), r[4] or "") for r in rows]

    @on_what_was_read
    def publish_update(
        self,
        incident_id: int,
        text: str,
        at: datetime | None = None,
        status: str | None = None,
        components: dict[str, str] | None = None,
    ) -> TimelineEntry:
        """Publish a stakeholder update: public on the timeline, resets the cadence.
        at: when it went out, for an update sent before it was written down here.
        status and components: what the status page says with it (the public
        status, and the state of each component it names)."""
        if not text.strip():
            raise UsageError("the update is empty")
        check_length(text, MAX_DRAFT, "update")
        shown = public_states(self.policy, status, components)
        moment = self._checked(at, "the update's time") if at is not None else None
        with self._write():
            incident = self._incident_as_read(incident_id)
            now = to_iso(moment) if moment is not None else self._now()
            if moment is not None and moment < incident.reported_at:
                raise UsageError("an update cannot go out before the reported time")
            if incident.drill and not text.lstrip().upper().startswith(DRILL_MARK):
                # Whoever reads a drill's update, wherever it is pasted, must see it is one.
                text = f"{DRILL_MARK} {text}"
            entry_id = self._add(
                incident_id,
                UPDATE,
                text,
                public=True,
                data={"event": "update.publish", **shown},
                occurred_at=from_iso(now),
            )
            self._recount_last_update(incident_id)
            if incident.acknowledged_at is None:
                # Telling stakeholders is itself an acknowledgement.
                self.db.execute(
                    "UPDATE incidents SET acknowledged_at = ? WHERE id = ?", (now, incident_id)
                )
                self._system(
                    incident_id,
                    "Milestone: acknowledge recorded",
                    "milestone",
                    clock="acknowledge",
                    at=now,
                    occurred_at=from_iso(now),
                )
        return self._appended(entry_id)
