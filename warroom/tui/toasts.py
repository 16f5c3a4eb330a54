"""Toasts that replace older toasts of their own kind, through Textual's public API.

Textual stacks every notification until it times out and offers only
`clear_notifications()` (all of them). The war room wants one toast of a kind
at a time (tests/ui/test_ui_frictions.py::test_toasts_replace_each_other_and_
stay_off_the_notes_and_draft), so the app keeps the toasts it has shown (the
record is the truth) and, when a new one replaces some, clears them all and
posts again the ones that stay (each for the time it had left), then the new
one; a copy posted again that a later toast replaced before it was shown is
not shown. The app says which toast replaces which through
`replaces_toast(older, new)`."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.errors import NoWidget
from textual.notifications import Notification, Notify

# Textual's widget that holds one toast (it names its holder's id after the
# notification's identity). Queried by name: Textual does not export it.
HOLDER = "ToastHolder"


class ToastsReplaceTheirKind(App):
    """App base: before a toast is shown, every shown toast for which
    `self.replaces_toast(older, new)` is true is withdrawn."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.toasts: list[Notification] = []  # shown, oldest first (see shown_toasts)
        self.toasts_shown_again: set[str] = set()  # posted again by on_notify, not yet shown
        self.toast_pressed: str | None = None  # the toast the mouse went down on

    def replaces_toast(self, older: Notification, new: Notification) -> bool:
        return False

    def on_notify(self, event: Notify) -> None:
        """Runs before Textual's own handler (the subclass's first), which
        shows the toast unless this one prevents it."""
        new = event.notification
        if new.identity in self.toasts_shown_again:
            # One this handler posted again: shown unless a later toast
            # replaced it meanwhile (no longer kept).
            self.toasts_shown_again.discard(new.identity)
            if not any(kept.identity == new.identity for kept in self.toasts):
                event.prevent_default()
            return
        shown = shown_toasts(self)
        stay = [older for older in shown if not self.replaces_toast(older, new)]
        if len(stay) == len(shown):
            self.toasts = [*shown, new]
            return
        event.prevent_default()
        self.clear_notifications()
        # Textual's rack would keep the holders of the cleared toasts (empty).
        # One by one: a query's remove() prunes (and restyles the focus) even
        # when it matched nothing, and lays out the whole screen.
        for screen in self.screen_stack:
            for holder in screen.query(HOLDER):
                holder.remove()
        self.toasts = []
        for older in [*stay, new]:
            again = Notification(
                older.message,
                older.title,
                older.severity,
                older.timeout,
                markup=False,  # every toast comes from WarRoomApp.notify: never markup
                raised_at=older.raised_at,  # the time it had left, not a fresh one
            )
            self.toasts.append(again)
            self.toasts_shown_again.add(again.identity)
            self.post_message(Notify(again))

    async def on_event(self, event: events.Event) -> None:
        """A click on a toast dismisses it (Textual's): it is forgotten here
        too, so a later replacement does not show it again. Seen as the app
        takes the mouse from the terminal (the toast is gone before its Click
        could bubble up)."""
        if isinstance(event, (events.MouseDown, events.MouseUp)) and not event.is_forwarded:
            held = self.toast_at(event.x, event.y)
            if isinstance(event, events.MouseDown):
                self.toast_pressed = held
            elif held is not None and held == self.toast_pressed:
                self.toasts = [n for n in self.toasts if not held.endswith(n.identity)]
        await super().on_event(event)

    def toast_at(self, x: int, y: int) -> str | None:
        """The id of the toast holder at x, y (it ends with its notification's identity)."""
        try:
            node: DOMNode | None = self.get_widget_at(x, y)[0]
        except NoWidget:
            return None
        while node is not None:
            if type(node).__name__ == HOLDER:
                return node.id
            node = node.parent
        return None


def shown_toasts(app: App) -> list[Notification]:
    """The notifications on screen now, oldest first."""
    toasts = getattr(app, "toasts", [])
    return [toast for toast in toasts if not toast.has_expired]
