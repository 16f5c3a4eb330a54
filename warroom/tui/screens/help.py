"""Help: every key binding of the screen underneath, as currently mapped."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from warroom.tui.widgets.bindings import keyed_nodes, remapped_bindings
from warroom.tui.widgets.common import KIND_MARK, STATE_STYLE
from warroom.tui.widgets.keybar import KeyBar


def collect_bindings(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(where, keys, description, binding id) for the app, the screen and every
    widget on it; the id is what the config file's [keymap] remaps."""
    app = screen.app
    seen: set[str] = set()
    rows = []
    nodes = [app, screen, *keyed_nodes(screen)]
    for node in nodes:
        where = (
            "global"
            if node is app
            else getattr(node, "HELP_GROUP", None)
            or ("screen" if node is screen else type(node).__name__)
        )
        by_action: dict[tuple[str, str, str], list[str]] = {}
        bindings_map = remapped_bindings(node, app)  # keys as the user remapped them
        for key, bindings in bindings_map.key_to_bindings.items():
            for binding in bindings:
                if not binding.description or not binding.id:
                    continue
                by_action.setdefault((binding.action, binding.description, binding.id), []).append(
                    key
                )
        for (action, description, binding_id), keys in by_action.items():
            # One row per binding id: q and ctrl+q both quit, and both show.
            ident = f"{where}:{action}:{binding_id}"
            if ident in seen:
                continue
            seen.add(ident)
            shown = ", ".join(app.get_key_display(Binding(k, action)) for k in keys)
            rows.append((where, shown, description, binding_id))
    return rows


def legend() -> Text:
    """What the symbols on the war room's panels mean."""
    text = Text("Symbols\n", "bold")
    marks = [("■", "bold red", "ticked (a red flag)"), ("□", "dim", "not ticked")]
    marks += [(mark, style, f"timeline: {name}") for mark, name, style in KIND_MARK.values()]
    marks += [
        (word.split()[0], style, word.split(None, 1)[1]) for word, style in STATE_STYLE.values()
    ]
    marks += [
        ("[replaced by #N]", "bold italic", "an entry corrected by entry N (kept, struck out)")
    ]
    marks += [("[corrects #N]", "italic", "the correction of entry N")]
    for mark, style, meaning in marks:
        text.append(f"  {mark} ", style or "")
        text.append(f"{meaning}\n")
    text.append("Checklist ids (c1, i3, a5): type one in the checklist to go to it.\n")
    text.append("Underlined letters on the role board: the key that assigns that role.\n")
    text.append("Underlined letters on the SLA clocks: the key that records that milestone now.\n")
    text.append(
        "Pasting: the note input, the draft and every dialog field take a paste exactly; "
        "a note keeps its lines (shown as ⏎); elsewhere "
        "a newline pasted into a one-line field becomes a space (no line is dropped)."
    )
    return text


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen VerticalScroll {
        width: 110; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape,f1,question_mark,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2, 0, 0))
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Keys", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column(Text("Id (for [keymap])"), style="dim")
        for where, keys, description, binding_id in collect_bindings(self.under):
            table.add_row(where, keys, description, binding_id)
        with VerticalScroll():
            yield Static(Text("Keys (ctrl+p: command palette reaches every action)", "bold"))
            yield Static(table)
            yield Static(legend(), id="legend")
        yield KeyBar()

    def action_close(self) -> None:
        self.dismiss()
