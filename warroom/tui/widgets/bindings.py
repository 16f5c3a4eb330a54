"""Key bindings as the user remapped them, and bindings made from data.

Everything here is Textual's public API: a node's bindings are its classes'
BINDINGS (Textual merges them the same way when a class is made), the keymap
is the one warroom gave `App.set_keymap` (the app keeps it: `keymap_of`), and
keys made from the policy (checklist item ids, role letters) are the BINDINGS
of a class made for them at run time (`with_bindings`), so they are bound
like any other: a key typed right after a panel key reaches the new panel,
which bindings resolve at the app."""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TypeVar

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS

Node = TypeVar("Node", bound=DOMNode)


def key_name(key: str) -> str:
    """A key as Textual names it in bindings: one character by its name
    ('?' -> 'question_mark'), anything longer as it is ('ctrl+o')."""
    key = key.strip()
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        name = ASCII_KEY_NAMES.get(key, key)
    return KEY_NAME_REPLACEMENTS.get(name, name)


def normal_keymap(keymap: dict[str, str]) -> dict[str, str]:
    """A [keymap] as Textual applies it (set_keymap names each key the same way)."""
    return {
        binding_id: ",".join(key_name(key) for key in keys.split(","))
        for binding_id, keys in keymap.items()
    }


def keymap_of(app: App) -> dict[str, str]:
    """The keymap the app gave Textual (warroom's app keeps it as `keymap`)."""
    keymap = getattr(app, "keymap", None)
    return keymap if isinstance(keymap, dict) else {}


def class_bindings(node: DOMNode) -> BindingsMap:
    """The bindings node's classes give it (each class's BINDINGS over its
    bases', key by key), and for an app the command palette's key."""
    keys: dict[str, list[Binding]] = {}
    for base in reversed(type(node).__mro__):
        if issubclass(base, DOMNode) and "BINDINGS" in vars(base):
            keys.update(BindingsMap(vars(base)["BINDINGS"]).key_to_bindings)
    if isinstance(node, App) and node.ENABLE_COMMAND_PALETTE:
        actions = {b.action for found in keys.values() for b in found}
        if not actions & {"command_palette", "app.command_palette"}:
            palette = Binding(
                node.COMMAND_PALETTE_BINDING,
                "command_palette",
                "palette",
                show=False,
                key_display=node.COMMAND_PALETTE_DISPLAY,
                priority=True,
            )
            keys.setdefault(palette.key, []).append(palette)
    return BindingsMap.from_keys(keys)


def remapped_bindings(node: DOMNode, app: App | None = None) -> BindingsMap:
    """node's bindings with the app's keymap applied (app: node's app, when
    node is not mounted in the running app)."""
    bindings = class_bindings(node)
    keymap = keymap_of(app if app is not None else node.app)
    if keymap:
        bindings.apply_keymap(keymap)
    return bindings


def keyed_nodes(screen: DOMNode) -> list[DOMNode]:
    """Every widget on screen whose keys are listed (help, the palette), in
    order, each followed by the parts it makes only when first needed (a
    widget's `parts_not_made()`: the timeline's search row), so their keys
    are listed before they exist."""
    nodes: list[DOMNode] = []
    for node in screen.query("*"):
        nodes.append(node)
        parts_not_made = getattr(node, "parts_not_made", None)
        if parts_not_made is not None:
            nodes += parts_not_made()
    return nodes


@cache
def with_bindings(cls: type[Node], bindings: tuple[Binding, ...]) -> type[Node]:
    """A subclass of cls (same name, so the same CSS) whose BINDINGS add
    `bindings` to cls's: keys made from data, bound like any other. One class
    for one set of keys."""
    made = type(cls.__name__, (cls,), {"BINDINGS": list(bindings)})
    made.__module__ = cls.__dict__["__module__"]  # where cls is defined, as its own
    return made
