"""Key bindings read and added at run time.

Textual reads a node's BINDINGS once, when its class is made; the bindings a
node has now (with the user's keymap applied) and a binding added to one
node at run time are only reachable through `_bindings` and `_keymap`. The
help screen, the palette and the messages name keys as remapped; the
checklist, roles and clocks panels bind keys made from the policy."""

from __future__ import annotations

from textual.binding import BindingsMap

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual.dom:DOMNode._bindings": "attribute",
    "textual.binding:BindingsMap.copy": "self",
    "textual.binding:BindingsMap.bind": (
        "self, keys, action, description, show, key_display, priority"
    ),
    "textual.binding:BindingsMap.apply_keymap": "self, keymap",
    "textual.app:App._keymap": "attribute",
}


def remapped_bindings(node, app=None) -> BindingsMap:
    """A copy of node's own bindings, with the app's keymap applied (app:
    node's app, when node is not mounted in the running app)."""
    bindings = node._bindings.copy()
    keymap = (app if app is not None else node.app)._keymap
    if keymap:
        bindings.apply_keymap(keymap)
    return bindings


def bind_key(node, key: str, action: str, show: bool = False) -> None:
    """Bind key to action on node alone (as if it were in its BINDINGS)."""
    node._bindings.bind(key, action, show=show)
