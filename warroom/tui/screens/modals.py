"""Small modal dialogs: confirm, pick a person, pick a choice, type a line."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from warroom.services.writes import Correct, RecordMilestone, SetChangeImpact, SetMilestone
from warroom.tui.widgets.common import lit, lit_block
from warroom.tui.widgets.modal import Modal
from warroom.tui.widgets.people import PersonChooser
from warroom.tui.widgets.reads import read_then
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()
from warroom.tui.widgets.safe import SafeTextArea as TextArea


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
                yield Label(lit_block(self.detail), classes="prompt")
            yield Label("y: yes   n / escape: no", classes="hint")

    def action_yes(self) -> None:
        self.dismiss(True)


class QuitModal(Modal):
    """Quitting with changes still queued: say what they are, wait for them
    with a countdown, or quit anyway. Nothing is dropped unless asked."""

    WAIT_SECONDS = 15
    # The key line wraps inside the box (at 80x24 it ran past the screen's edge).
    DEFAULT_CSS = "QuitModal #quit-hint { width: 1fr; }"
    BINDINGS = [
        Binding("w", "wait", "Wait, then quit", id="quit.wait"),
        Binding("Q", "quit_anyway", "Quit anyway", id="quit.anyway"),
        Binding("y", "quit_saved", "Quit", show=False),
    ]

    def __init__(self, waiting):
        super().__init__()
        self.waiting = waiting  # () -> descriptions of what is still queued
        self.left = 0.0
        self._timer = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", id="quit-title", classes="prompt")
            yield Label("", id="quit-list", classes="prompt")
            yield Label("", id="quit-hint", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self._show()

    def _show(self) -> None:
        items = self.waiting()
        if not items and self._timer is not None:
            self.dismiss(True)  # waited for them: all written, quit as asked
            return
        if not items:  # written while the question was up: ask the plain question
            self.query_one("#quit-title", Label).update(lit("All changes are saved now", "bold"))
            self.query_one("#quit-list", Label).update(lit("Quit warroom?"))
            self.query_one("#quit-hint", Label).update(lit("y / Q: quit · escape: stay"))
            return
        self.query_one("#quit-title", Label).update(
            lit(f"{len(items)} change{'s' if len(items) != 1 else ''} not saved yet", "bold")
        )
        shown = [f"• {item}" for item in items[:6]]
        if len(items) > 6:
            shown.append(f"… and {len(items) - 6} more")
        self.query_one("#quit-list", Label).update(lit_block("\n".join(shown)))
        if self._timer is not None:
            hint = (
                f"waiting for them… {self.left:.0f}s · Q: quit anyway (drops them) · escape: stay"
            )
        else:
            hint = "w: wait for them, then quit · Q: quit anyway (drops them) · escape: stay"
        self.query_one("#quit-hint", Label).update(hint)

    def action_wait(self) -> None:
        if self._timer is None:
            self.left = self.WAIT_SECONDS
            self._timer = self.set_interval(0.5, self._count_down)
        self._show()

    def _count_down(self) -> None:
        self.left -= 0.5
        if self.left <= 0 and self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._show()

    def action_quit_anyway(self) -> None:
        self.dismiss(True)

    def action_quit_saved(self) -> None:
        if not self.waiting():
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
            yield Label(lit(self.title_text, "bold"), classes="prompt")
            options = []
            for n, choice in enumerate(self.choices, 1):
                mark = " ◀ current" if choice == self.current else ""
                options.append(Option(Text.assemble(f"{n}  ", lit(choice), mark), id=choice))
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

    def __init__(
        self,
        title: str,
        people: list[str],
        exclude: set[str] | None = None,
        on_digit=None,
    ):
        super().__init__()
        self.title_text = title
        self.people = people
        self.exclude = exclude
        self.on_digit = on_digit  # called with a digit typed first, after closing

    def compose(self) -> ComposeResult:
        with Vertical():
            chooser = PersonChooser()
            chooser.digits_leave = self.on_digit is not None
            yield chooser

    def on_mount(self) -> None:
        self.query_one(PersonChooser).start(self.title_text, self.people, self.exclude)

    def on_person_chooser_digit_first(self, message: PersonChooser.DigitFirst) -> None:
        self.dismiss(None)
        self.on_digit(message.digit)

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
            yield Label(
                lit(f"{self.hint + ' · ' if self.hint else ''}{keys} · escape: cancel"),
                classes="hint",
            )

    def on_mount(self) -> None:
        if self.multiline:
            self.query_one(TextArea).styles.height = 8

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, value: str) -> None:
        self.dismiss(value)

    def action_save(self) -> None:
        widget = self.query_one("#text")
        self.dismiss(widget.text if isinstance(widget, TextArea) else cast(Input, widget).value)


class CorrectionModal(Modal):
    """An entry's text and the time it happened, either or both corrected.
    Dismisses with (text, time) as typed, or None."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="correct.save")]

    def __init__(self, entry, time_value: str, zone: str, text_editable: bool):
        super().__init__()
        self.entry = entry
        self.time_value = time_value
        self.zone = zone
        self.text_editable = text_editable
        self.multiline = "\n" in entry.text or len(entry.text) > 60

    def compose(self) -> ComposeResult:
        entry = self.entry
        with Vertical():
            yield Label(
                lit(f"Correct entry #{entry.id} (the original is kept)", "bold"), classes="prompt"
            )
            if not self.text_editable:
                yield Label(lit(entry.text), classes="prompt")
            elif self.multiline:
                yield TextArea(entry.text, id="text", soft_wrap=True)
            else:
                # Cursor at the end, nothing selected: typing adds to the text
                # (selected, the first key replaced the whole entry).
                yield Input(entry.text, id="text", select_on_focus=False)
            yield Label(lit(f"When it happened ({self.zone}); '-' withdraws a milestone:"))
            yield Input(self.time_value, id="at")
            yield Label("enter / ctrl+s: save · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        if self.text_editable and self.multiline:
            area = self.query_one(TextArea)
            area.styles.height = 8
            area.cursor_to_end()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        text = self.entry.text
        if self.text_editable:
            widget = self.query_one("#text")
            text = widget.text if isinstance(widget, TextArea) else cast(Input, widget).value
        self.dismiss((text, self.query_one("#at", Input).value))


def ask_correction(app, entry) -> None:
    """Offer a timeline entry's text and time for correction; the store keeps the
    original and records the correction as an entry that supersedes it. A
    milestone's entry offers its time only: correcting it moves the milestone."""
    from warroom.core.model import MILESTONE_EVENTS
    from warroom.core.timefmt import fmt_typed, parse_time, typed_zone, zone_label

    if refused_read_only(app):
        return
    milestone = entry.event in MILESTONE_EVENTS and "clock" in entry.data
    editable = entry.kind != "system"
    typed = fmt_typed(entry.occurred_at, app.utc)

    def correct(text: str, when: str, typed_at):
        if milestone and when.strip() == "-":
            return SetMilestone(entry.incident_id, entry.data["clock"], None)
        at = None
        if when.strip() != typed:
            at = parse_time(when, typed_at, zone=typed_zone(app.utc))
        new_text = text if editable and text != entry.text else None
        if new_text is not None and not new_text.strip():
            return None
        if new_text is None and at is None:
            return None
        return Correct(entry.id, new_text, at)

    def done(result: tuple[str, str] | None) -> None:
        if result is not None:  # '20m ago' counts from enter, even if the write is queued
            typed_at = app.clock()
            app.write_from(lambda: correct(*result, typed_at))

    zone = zone_label(app.utc, entry.occurred_at)
    app.push_screen(CorrectionModal(entry, typed, zone, editable), done)


def refused_read_only(app) -> bool:
    """In read-only mode a write's dialog is refused before it opens (one toast),
    so nothing is typed only to be thrown away; True when refused."""
    if not app.store.read_only:
        return False
    app.notify(app.store.read_only_why(), severity="warning")
    return True


def ask_milestone_time(app, incident_id: int, clock: str, now=None) -> None:
    """A milestone key's time prompt: enter takes now (or `now`, when the key
    was pressed); '14:05', '@14:05', '20m ago' or a date and time say when it
    really happened. On a milestone already recorded the prompt moves it, and
    '-' withdraws it. The incident is read on the database worker first (the
    keys typed meanwhile, a time, are for the prompt)."""
    if refused_read_only(app):
        return
    # The incident's screen (the war room, the retro) asks; from the command
    # palette (a dialog, maybe still up), the one under it.
    screens = [s for s in app.screen_stack if not isinstance(s, ModalScreen)]
    read_then(
        screens[-1] if screens else app.screen,
        lambda store: store.get_incident(incident_id),
        lambda incident: _milestone_prompt(app, incident, clock, now),
        "the milestone's time",
        hold=True,
    )


def _milestone_prompt(app, incident, clock: str, now) -> None:
    from warroom.core.policy import MILESTONE_FIELDS
    from warroom.core.timefmt import fmt_time, fmt_typed, parse_time, typed_zone, zone_label

    incident_id = incident.id
    current = getattr(incident, MILESTONE_FIELDS[clock])
    zone = zone_label(app.utc, app.clock())

    def record(text: str, typed_at):
        text = text.strip()
        if text.startswith("@"):  # as a note's time is typed: '@23:10'
            text = text[1:].strip()
        if now is not None:
            typed_at = now
        if current is not None:
            if text == "-":
                return SetMilestone(incident_id, clock, None)
            if text == fmt_typed(current, app.utc):
                return None
        at = None if text in ("", "now") else parse_time(text, typed_at, zone=typed_zone(app.utc))
        if current is not None:
            return SetMilestone(incident_id, clock, at or typed_at)
        return RecordMilestone(incident_id, clock, at or typed_at)

    def done(text: str | None) -> None:
        if text is not None:  # 'now' is when enter was pressed, even if the write is queued
            typed_at = app.clock()
            app.write_from(lambda: record(text, typed_at))

    if current is None:
        title = f"{clock} at (enter: now)"
        value, hint = "", f"'14:05', '20m ago' or '2026-11-28T14:05', {zone}"
    else:
        title = f"Move {clock}, recorded {fmt_time(current, app.utc)}"
        value, hint = fmt_typed(current, app.utc), f"a new time in {zone}, '-' withdraws"
    app.push_screen(TextPrompt(title, value, hint=hint), done)


def ask_change_impact(app, entry) -> None:
    """What a change did (helped, no effect, made it worse, unknown), then an
    optional note; the latest word on a change is the one the retro shows."""
    from warroom.core.model import IMPACTS

    if entry.kind != "change":
        app.notify(f"Entry #{entry.id} is not a change", severity="warning", markup=False)
        return

    def chosen(impact: str | None) -> None:
        if impact is None:
            return

        def noted(note: str | None) -> None:
            if note is not None:
                app.write(SetChangeImpact(entry.id, impact, note))

        app.push_screen(
            TextPrompt(f"Impact of change #{entry.id}: {impact}", hint="a note (optional)"), noted
        )

    app.push_screen(ChoiceModal(f"What did change #{entry.id} do?", list(IMPACTS)), chosen)
