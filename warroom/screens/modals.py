"""Small modal dialogs: confirm, pick a person, pick a choice, type a line."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from ..widgets.common import lit
from ..widgets.keybar import KeyBar
from ..widgets.people import PersonChooser


class Modal(ModalScreen):
    """A centred dialog that escape cancels (dismissing with None)."""

    DEFAULT_CSS = """
    Modal { align: center middle; }
    Modal > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    Modal .prompt { margin-bottom: 1; width: 1fr; }
    Modal .hint { color: $text-muted; }
    Modal OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal.cancel")]

    def on_mount(self) -> None:
        # The dialog's own keys along the bottom, over the screen it covers.
        self.mount(KeyBar())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(Modal):
    BINDINGS = [
        Binding("y", "yes", "Yes", id="confirm.yes"),
        Binding("n", "cancel", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = ""):
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(lit(self.question, "bold"), classes="prompt")
            if self.detail:
                yield Label(Text(self.detail), classes="prompt")
            yield Label("y: yes   n / escape: no", classes="hint")

    def action_yes(self) -> None:
        self.dismiss(True)


class ChoiceModal(Modal):
    """Pick one of a few choices; digits pick directly."""

    def __init__(self, title: str, choices: list[str], current: str | None = None):
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"), classes="prompt")
            options = []
            for n, choice in enumerate(self.choices, 1):
                mark = " ◀ current" if choice == self.current else ""
                options.append(Option(Text(f"{n}  {choice}{mark}"), id=choice))
            yield OptionList(*options, id="choices")
            yield Label("↑↓ enter, or a digit · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        olist = self.query_one(OptionList)
        if self.current in self.choices:
            olist.highlighted = self.choices.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character)
            if 1 <= n <= len(self.choices):
                event.stop()
                self.dismiss(self.choices[n - 1])


class PersonPicker(Modal):
    """Type a name or pick someone this database knows; enter chooses."""

    def __init__(self, title: str, people: list[str], exclude: set[str] | None = None):
        super().__init__()
        self.title_text = title
        self.people = people
        self.exclude = exclude

    def compose(self) -> ComposeResult:
        with Vertical():
            yield PersonChooser()

    def on_mount(self) -> None:
        self.query_one(PersonChooser).start(self.title_text, self.people, self.exclude)

    def on_person_chooser_chosen(self, message: PersonChooser.Chosen) -> None:
        self.dismiss(message.person)

    def on_person_chooser_cancelled(self) -> None:
        self.dismiss(None)


class TextPrompt(Modal):
    """One line (or a block, with multiline) of text; enter (ctrl+s for blocks) saves."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="prompt.save")]

    def __init__(self, title: str, value: str = "", multiline: bool = False, hint: str = ""):
        super().__init__()
        self.title_text = title
        self.value = value
        self.multiline = multiline
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(lit(self.title_text, "bold"), classes="prompt")
            if self.multiline:
                yield TextArea(self.value, id="text", soft_wrap=True)
            else:
                yield Input(self.value, id="text")
            keys = "ctrl+s: save" if self.multiline else "enter: save"
            yield Label(f"{self.hint + ' · ' if self.hint else ''}{keys} · escape: cancel",
                        classes="hint")  # fmt: skip

    def on_mount(self) -> None:
        if self.multiline:
            self.query_one(TextArea).styles.height = 8

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_save(self) -> None:
        widget = self.query_one("#text")
        self.dismiss(widget.text if isinstance(widget, TextArea) else widget.value)


def ask_correction(app, entry) -> None:
    """Offer a timeline entry's text for correction; the store keeps the original
    and records the new text as an entry that supersedes it."""

    def done(text: str | None) -> None:
        if text is not None and text.strip() and text != entry.text:
            app.write(app.store.correct, entry.id, text)

    app.push_screen(
        TextPrompt(
            f"Correct entry #{entry.id} (the original is kept)",
            entry.text,
            multiline="\n" in entry.text or len(entry.text) > 60,
        ),
        done,
    )


def ask_change_impact(app, entry) -> None:
    """What a change did (helped, no effect, made it worse, unknown), then an
    optional note; the latest word on a change is the one the retro shows."""
    from ..model import IMPACTS

    if entry.kind != "change":
        app.notify(f"Entry #{entry.id} is not a change", severity="warning", markup=False)
        return

    def chosen(impact: str | None) -> None:
        if impact is None:
            return

        def noted(note: str | None) -> None:
            if note is not None:
                app.write(app.store.set_change_impact, entry.id, impact, note)

        app.push_screen(
            TextPrompt(f"Impact of change #{entry.id}: {impact}", hint="a note (optional)"), noted
        )

    app.push_screen(ChoiceModal(f"What did change #{entry.id} do?", list(IMPACTS)), chosen)
