"""What screens and widgets may use of the app: `self.app` is a `Room`.

WarRoomApp (warroom.tui.app) is the one Room. Screens and widgets cannot
import it (it imports them), so they name this class instead: their bases
declare, for the type checker only,

    if TYPE_CHECKING:

        @property
        def app(self) -> Room: ...

and mypy checks WarRoomApp against what is declared here. Nothing below the
class line exists at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from textual.screen import Screen

    from warroom.core.alerts import AlertTracker
    from warroom.core.errors import WarroomError
    from warroom.core.model import TimelineEntry
    from warroom.core.policy import Policy
    from warroom.services.config import Config
    from warroom.services.writes import Envelope, Write
    from warroom.store import Store
    from warroom.tui.reported_signal import ReportedSignal


class StoreChange:
    """What store_changed_signal carries: only that something was committed.
    Each screen asks the store what it shows (it knows what it saw last)."""

    __slots__ = ()


class Room(App[Any]):
    """The app as its screens and widgets see it."""

    if TYPE_CHECKING:
        config: Config
        alerts: AlertTracker
        store: Store
        policy: Policy
        clock: Callable[[], datetime]
        utc: bool  # times shown in UTC (else local)
        read_through: int
        status_note: str
        store_changed_signal: ReportedSignal[StoreChange]
        tick_signal: ReportedSignal[datetime]
        times_changed_signal: ReportedSignal[bool]
        flush_signal: ReportedSignal[None]
        pending_signal: ReportedSignal[None]

        @property
        def store_blocked(self) -> bool: ...

        def write(
            self,
            change: Write,
            *,
            on_done: Callable[..., Any] | None = None,
            on_conflict: Callable[..., Any] | None = None,
            replaces: object = None,
            on_fail: Callable[..., Any] | None = None,
        ) -> None: ...

        def write_from(self, build: Callable[[], Write | None], **callbacks: Any) -> None: ...
        def read(
            self,
            fetch: Callable[[Store], Any],
            then: Callable[[Any], None],
            failed: Callable[[BaseException], None] | None = None,
        ) -> None: ...
        def read_sent(
            self,
            send: Callable[[Store], Callable[[], Any]],
            then: Callable[[Any], None],
            failed: Callable[[BaseException], None] | None = None,
        ) -> None: ...
        def read_soon(
            self,
            fetch: Callable[[Store], Any],
            then: Callable[[Any], None],
            failed: Callable[[BaseException], None],
            *,
            sent: bool = False,
        ) -> None: ...
        def leave_unopened(self, leave: Screen[Any]) -> None: ...
        def unseen_writes(self, read_through: int) -> list[Envelope]: ...
        def writes_done_through(self) -> int: ...
        def with_people(
            self, node: Any, then: Callable[[list[str]], None], what: str = ...
        ) -> None: ...
        def hold_keys(self) -> Callable[[], None]: ...
        def started(self) -> None: ...
        def flush_typing(self) -> None: ...
        def toggle_utc(self) -> None: ...
        def open_incident(self, incident_id: int) -> bool: ...
        def back_to_list(self) -> None: ...
        def run_publish_hook(self, incident_id: int, text: str, entry: TimelineEntry) -> None: ...
        def cannot_read(
            self, exc: WarroomError, what: str, leave: Screen[Any] | None = None
        ) -> None: ...
        def action_declare(self, form: dict[str, Any] | None = None) -> None: ...
        def action_report(self) -> None: ...
        def action_identity(self, on_digit: Callable[[str], object] | None = None) -> None: ...
