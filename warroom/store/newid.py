"""A row's id that only the server knows yet, inside the write that inserted it."""

from __future__ import annotations


class NewId:
    """Inside a write on a backend that pipelines: the id the server gave the
    row the write has just inserted into `table`, as a statement's parameter
    or a value in an entry's data. The server fills it in (new_id), so the
    write does not wait for the insert's answer to name the row."""

    __slots__ = ("table",)

    def __init__(self, table: str):
        self.table = table

    def __repr__(self) -> str:
        return f"NewId({self.table!r})"
