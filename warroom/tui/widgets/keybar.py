"""The key bar along the bottom: the keys that work where the focus is.

It shows what Textual's Footer shows, drawn as one line of text. The Footer
rebuilds a row of widgets whenever the focus moves, which costs more than the
work behind most keys; this repaints one line, and only when the keys differ."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
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

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        text_style = self.get_component_rich_style("keybar--description", partial=True)
        dim = self.get_component_rich_style("keybar--disabled", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for key, shown, description, enabled in self.keys:
            click = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
            extra = click if enabled else dim
            line.append(f" {shown} ", key_style + extra)
            line.append(f"{description} ", text_style + extra)
        if self.palette is not None:
            key, shown = self.palette
            click = Style.from_meta({"@click": "app.command_palette"})
            tail = Text.assemble(
                ("▏", ""), (f" {shown} ", key_style + click), ("palette ", text_style + click)
            )
            room = max(0, self.size.width - tail.cell_len)
            line.truncate(room, overflow="ellipsis", pad=True)
            line.append_text(tail)
        return line
