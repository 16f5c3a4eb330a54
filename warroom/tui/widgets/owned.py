"""Callbacks from the app into a screen or a widget that may be gone.

A write queued behind a busy or unreachable database lands later, from the
app's retry timer: by then the screen that asked for it may have been left
(escape to the list, the retro closed) or be coming down with the app, its
widgets removed one by one. Its on_done/on_fail/on_conflict callbacks that
redraw it are therefore tied to it (while_shown): they run only while it is
on a screen of the app's stack and the app is live, and do nothing after.
What must happen whatever the screen (run the publish hook, say a toast,
queue the next write) is not tied: it is done by the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from textual.dom import DOMNode


def shown(node: DOMNode) -> bool:
    """The node is attached, on a screen still in the app's stack, and the app
    is live (running, not shutting down)."""
    app = node.app
    if not getattr(app, "live", app.is_running) or not node.is_attached:
        return False
    try:
        screen = node.screen
    except Exception:  # noqa: BLE001 - no screen (NoScreen, ScreenStackError): gone
        return False
    return screen in app.screen_stack


@overload
def while_shown(node: DOMNode, callback: None) -> None: ...
@overload
def while_shown(node: DOMNode, callback: Callable[..., Any]) -> Callable[..., Any]: ...
def while_shown(node: DOMNode, callback: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """callback, made to do nothing once `node` is gone (see shown)."""
    if callback is None:
        return None

    def call(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs) if shown(node) else None

    return call
