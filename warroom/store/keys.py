"""Idempotency keys: a write carries one, stored in its own transaction, so
the same write applied twice lands once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from warroom.store.base import StoreBase


class WriteKeyStore(StoreBase):
    """The write keys (table write_keys)."""

    @contextmanager
    def keyed(self, key: str | None) -> Iterator[None]:
        """The next write transaction carries key, stored with it (unique): the
        same key applied again raises AlreadyApplied and changes nothing. A
        retry after a lost answer to COMMIT, or a replayed unsaved file, is
        then applied exactly once."""
        self._write_key = key
        try:
            yield
        finally:
            self._write_key = None

    def _claim(self, key: str) -> bool:
        """Store the write's key; False when it is there already (applied before)."""
        claim = getattr(self.db, "claim", None)
        if claim is not None:  # sent without waiting; a second time is refused by the server
            return bool(claim(key, self._now()))
        row = self.db.execute(
            "INSERT INTO write_keys (key, applied_at) VALUES (?, ?)"
            " ON CONFLICT (key) DO NOTHING RETURNING key",
            (key, self._now()),
        ).fetchone()
        return row is not None

    def applied(self, key: str) -> bool:
        """Whether a write with this idempotency key was committed."""
        row = self.db.execute("SELECT 1 FROM write_keys WHERE key = ?", (key,)).fetchone()
        return row is not None
