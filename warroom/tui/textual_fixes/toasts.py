"""Toasts that replace older toasts of their own kind.

Textual stacks every notification until it times out and offers only
`clear_notifications()` (all of them). The war room wants one toast of a kind
at a time (tests/ui/test_ui_frictions.py::test_toasts_replace_each_other_and_
stay_off_the_notes_and_draft), so the app's Notify handler withdraws older ones
first. The app says which through the public hook `replaces_toast`."""

from __future__ import annotations

from textual.app import App
from textual.notifications import Notification

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.app:App._on_notify": "self, event",
    "textual.app:App._unnotify": "self, notification, refresh",
    "textual.app:App._notifications": "attribute",
}


class ToastsReplaceTheirKind:
    """Mixin for an App: before a toast is shown, every shown toast for which
    `self.replaces_toast(older, new)` is true is withdrawn."""

    def replaces_toast(self, older: Notification, new: Notification) -> bool:
        return False

    def _on_notify(self, event) -> None:
        new = event.notification
        for older in shown_toasts(self):
            if self.replaces_toast(older, new):
                self._unnotify(older, refresh=False)
        super()._on_notify(event)


def shown_toasts(app: App) -> list[Notification]:
    """The notifications on screen now, oldest first."""
    return list(app._notifications)
