"""The incident store: one Store (domain.py) composed of parts by area
(incidents.py, timeline.py, roles.py, drafts.py, retro.py, reports.py,
intake.py, tasks.py, keys.py over base.py), the tables declared once
(schema.py), over a backend that owns the engine (sqlite.py, postgres.py) and
turns its driver's errors into warroom's. The only package that speaks SQL."""

from warroom.core.text import MAX_DRAFT, MAX_NOTE, MAX_SHORT
from warroom.services.paths import FILE_MODE
from warroom.store.backend import describe, open_backend
from warroom.store.domain import DRILL_MARK, Store
from warroom.store.sqlite import (
    APP_ID,
    DIR_MODE,
    MIGRATIONS,
    SCHEMA_VERSION,
    SQLITE_HEADER,
    SQLiteBackend,
    _schema_v1,
    _schema_v2,
    _schema_v3,
    _schema_v4,
    _schema_v5,
    disk_refusal,
)

__all__ = [
    "APP_ID",
    "DIR_MODE",
    "DRILL_MARK",
    "FILE_MODE",
    "MAX_DRAFT",
    "MAX_NOTE",
    "MAX_SHORT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SQLITE_HEADER",
    "SQLiteBackend",
    "Store",
    "_schema_v1",
    "_schema_v2",
    "_schema_v3",
    "_schema_v4",
    "_schema_v5",
    "describe",
    "disk_refusal",
    "open_backend",
]
