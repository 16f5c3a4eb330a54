"""The key bar along the bottom: the keys that work where the focus is.

It shows what Textual's Footer shows, drawn as one line of text. The Footer
rebuilds a row of widgets whenever the focus moves, which costs more than the
work behind most keys; this repaints one line, and only when the keys differ."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from warroom.tui.widgets.common import KeptLines


class KeyBar(KeptLines, Widget, can_focus=False):
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--disabled { text-style: dim; }
    }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # (key, key as shown, description, enabled) for each key, in order.
        self.keys: tuple[tuple[str, str, str, bool], ...] = ()
        self.palette: tuple[str, str] | None = None
        self.kept: frozenset[str] = frozenset()  # keys never dropped (see KEPT)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys, palette = self._read(screen)
        if (keys, palette) != (self.keys, self.palette):
            self.keys, self.palette = keys, palette
            self.kept = frozenset(
                binding.key
                for _node, binding, _enabled, _tooltip in screen.active_bindings.values()
                if binding.key == "escape"
                or binding.action.split(".")[-1].split("(")[0] in self.KEPT
            )
            self.refresh()

    def _read(self, screen) -> tuple[tuple, tuple[str, str] | None]:
        app = self.app
        seen: set[str] = set()
        keys = []
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            # One entry per action, as the Footer does ("space,x" tick: one key).
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding.key, app.get_key_display(binding), binding.description, enabled))
        palette = None
        if app.ENABLE_COMMAND_PALETTE:
            found = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = (found[1].key, app.get_key_display(found[1]))
        return tuple(keys), palette

    # Never dropped for want of room: how to get help and how to leave.
    KEPT = {"help", "request_quit", "back", "cancel", "dismiss", "close", "quit"}

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        text_style = self.get_component_rich_style("keybar--description", partial=True)
        dim = self.get_component_rich_style("keybar--disabled", partial=True)
        tail = Text(end="")
        if self.palette is not None:
            key, shown = self.palette
            click = Style.from_meta({"@click": "app.command_palette"})
            tail = Text.assemble(
                ("▏", ""), (f" {shown} ", key_style + click), ("palette ", text_style + click)
            )
        room = max(0, self.size.width - tail.cell_len)
        items = []  # (key part, description part, kept)
        for key, shown, description, enabled in self.keys:
            click = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
            extra = click if enabled else dim
            items.append(
                (
                    Text(f" {shown} ", key_style + extra, end=""),
                    Text(f"{description} ", text_style + extra, end=""),
                    key in self.kept,
                )
            )
        more = Text("… ", text_style, end="")

        def width(chosen, short=False) -> int:
            cut = more.cell_len if len(chosen) < len(items) else 0
            return cut + sum(k.cell_len + (0 if short else d.cell_len) for k, d, _ in chosen)

        # What does not fit goes from the end, help and the ways out last of
        # all (the palette lists every key); then their words, keys kept.
        chosen = list(items)
        while width(chosen) > room and any(not kept for *_, kept in chosen):
            drop = max(i for i, (*_, kept) in enumerate(chosen) if not kept)
            del chosen[drop]
        short = width(chosen) > room
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for key_part, words, _kept in chosen:
            line.append_text(key_part)
            if not short:
                line.append_text(words)
        if len(chosen) < len(items):
            line.append_text(more)
        line.truncate(room, overflow="ellipsis", pad=bool(tail.cell_len))
        line.append_text(tail)
        return line
