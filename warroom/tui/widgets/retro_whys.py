"""Retro sections 2 and 3: the five whys and the root-cause summary.

Both are saved to the store as they are typed (after a short pause), like the
draft update. What the store holds is shown unless the user has unsaved typing
in that field: theirs is never overwritten by a refresh."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Label, Static

from warroom.core.model import Why
from warroom.core.text import MAX_SHORT
from warroom.tui.widgets.common import Panel, lit_block
from warroom.tui.widgets.safe import SafeInput as Input  # shows text through visible()
from warroom.tui.widgets.safe import SafeTextArea as TextArea

SAVE_DELAY = 0.3  # seconds of typing pause before a save
DEFAULT_LEVELS = 5
MAX_LEVELS = 20  # what the store accepts
QUESTION, ANSWER = "question", "answer"

# First words that read better in lower case after "Why ...".
_LOWER_FIRST = {
    "a", "an", "the", "we", "it", "its", "our", "they", "their", "there", "this",
    "that", "these", "those", "some", "no", "nobody", "someone", "nothing",
}  # fmt: skip


CHAIN_LEAD = "Why did this happen: "


def chain_question(answer: str) -> str:
    """The next why, from an answer: 'The pool ran dry.' -> 'Why did this
    happen: the pool ran dry?' (a question whatever the answer's grammar: a
    clause or a noun phrase, as the first why asks of the title)."""
    text = " ".join(answer.split()).rstrip(" .!?;:,")
    if not text:
        return ""
    first, _, rest = text.partition(" ")
    if first.lower() in _LOWER_FIRST:
        text = first.lower() + (f" {rest}" if rest else "")
    return f"{CHAIN_LEAD}{text[: MAX_SHORT - len(CHAIN_LEAD) - 1]}?"


def first_question(title: str) -> str:
    return f"Why did this happen: {' '.join(title.split())}?"[:MAX_SHORT]


class LeaveField(Message):
    """Escape in a field: back to the screen's keys (a second escape leaves)."""


class WhyInput(Input):
    """One question or answer. Up/down/enter move along the chain."""

    HELP_GROUP = "2 Five whys"
    BINDINGS = [
        Binding("down", "move(1)", "Next field", show=False, id="whys.down"),
        Binding("up", "move(-1)", "Previous field", show=False, id="whys.up"),
        Binding("ctrl+n", "add_level", "Add a why", id="whys.add", tooltip="Ask one more why"),
        Binding("escape", "leave", "Leave the field", show=False, id="whys.leave"),
    ]

    def __init__(self, position: int, field: str, value: str, suggested: str = "", **kwargs):
        super().__init__(value, compact=True, select_on_focus=False, **kwargs)
        self.position = position
        self.field = field
        self.known = value  # the value last synced with the store (or suggested)
        self.base = value if not suggested or value != suggested else ""  # as stored
        self.suggested = suggested  # the text warroom proposed, while untouched

    def render_line(self, y: int) -> Strip:
        """Without focus a long why shows its beginning, cut with an ellipsis, not
        the tail the cursor left in view (the focused why reads whole below)."""
        width = self.scrollable_content_region.width
        if y != 0 or self.has_focus or self.drawn_value.cell_len <= width:
            return super().render_line(y)
        shown = self.drawn_value.copy()  # as the field shows it, through visible()
        shown.truncate(width, overflow="ellipsis")
        shown.end = ""
        options = self.app.console_options.update_width(width + 1)
        strip = Strip(self.app.console.render(shown, options)).extend_cell_length(width + 1)
        return strip.apply_style(self.rich_style)

    @property
    def dirty(self) -> bool:
        """Typed by the user and not saved yet."""
        return self.value != self.known

    def action_move(self, step: int) -> None:
        self.query_ancestor(WhysPanel).move_focus(self, step)

    def action_add_level(self) -> None:
        self.query_ancestor(WhysPanel).add_level()

    def action_leave(self) -> None:
        self.post_message(LeaveField())


class WhyLevel(Vertical):
    """Why N: the question, and the answer that feeds the next why."""

    def __init__(self, position: int, question: str, answer: str, suggested: str = ""):
        super().__init__(id=f"why-{position}", classes="why-level")
        self.position = position
        self.question = WhyInput(
            position, QUESTION, question, suggested, placeholder="Why …?", id=f"why-{position}-q"
        )
        self.answer = WhyInput(
            position, ANSWER, answer, placeholder="Because …", id=f"why-{position}-a"
        )

    def compose(self):
        with Horizontal(classes="why-row"):
            yield Label(Text(f"Why {self.position}"), classes="why-label")
            yield self.question
        with Horizontal(classes="why-row"):
            yield Label("  ↳", classes="why-label because")
            yield self.answer


class WhysPanel(Panel):
    DEFAULT_CSS = """
    WhysPanel #why-levels { height: 1fr; scrollbar-size-vertical: 1; }
    WhysPanel .why-level { height: auto; margin-bottom: 1; }
    WhysPanel .why-row { height: 1; }
    WhysPanel .why-label { width: 7; text-style: bold; color: $text-muted; }
    WhysPanel .why-label.because { text-style: none; }
    WhysPanel WhyInput { width: 1fr; padding: 0 1; background: $boost; }
    WhysPanel WhyInput:focus { background: $primary 30%; }
    WhysPanel #whys-hint { height: 1; color: $text-muted; }
    WhysPanel #why-detail { height: auto; max-height: 6; padding: 0 1; display: none; }
    WhysPanel #why-detail.-shown { display: block; }
    """

    class SaveRequested(Message):
        """The typing paused (or left a field): time to save what changed."""

    def __init__(self, **kwargs):
        super().__init__(2, "Five whys", **kwargs)
        self.stored: dict[int, tuple[str, str]] = {}
        self.pending: set[int] = set()
        self.title = ""
        self._timer = None

    def compose(self):
        with VerticalScroll(id="why-levels"):
            for position in range(1, DEFAULT_LEVELS + 1):
                yield WhyLevel(position, "", "")
        yield Static("", id="why-detail")
        yield Static(Text(self.HINTS[-1], no_wrap=True, overflow="ellipsis"), id="whys-hint")

    # The hint, the longest that fits: a digit typed in a field is text, so it
    # says how to leave one for another section without losing what was typed.
    HINTS = (
        "↑↓ enter: move · ctrl+n: one more why · esc or alt+1-4: leave, text kept",
        "↑↓ enter: move · ctrl+n: one more why · esc or alt+1-4: leave",
        "↑↓ enter: move · esc or alt+1-4: leave, text kept",
        "↑↓ enter: move · esc: leave, text kept",
    )

    def fit_hint(self, room: int) -> None:
        self.query_one("#whys-hint", Static).update(
            Text(
                next((h for h in self.HINTS if len(h) <= room), self.HINTS[-1]),
                no_wrap=True,
                overflow="ellipsis",
            )
        )

    # ---------------------------------------------------------------- detail
    def detail(self, position: int) -> Text:
        """The focused why, question and answer, whole (a field shows one line)."""
        level = self.level(position)
        text = Text()
        if level is None:
            return text
        text.append(f"Why {position}: ", "bold")
        text.append_text(lit_block(level.question.value or "—"))
        text.append("\n  ↳ ", "bold")
        text.append_text(lit_block(level.answer.value or "—"))
        return text

    def show_detail(self) -> None:
        """Under the fields while one has focus and does not fit in its field."""
        detail = self.query_one("#why-detail", Static)
        focused = self.app.focused
        shown = False
        room = focused.content_region.width - 1 if isinstance(focused, WhyInput) else 0
        # room 0: not laid out yet (a hidden tab)
        if room > 0 and isinstance(focused, WhyInput) and focused.parent is not None:
            level = self.level(focused.position)
            if level is not None and any(
                len(f.value) > room for f in (level.question, level.answer)
            ):
                detail.update(self.detail(focused.position))
                shown = True
        detail.set_class(shown, "-shown")

    def on_descendant_focus(self, event) -> None:
        # Once laid out: a field focused on a tab just shown has no width yet.
        self.call_after_refresh(self.show_detail)

    def on_resize(self, event) -> None:
        self.fit_hint(event.size.width)
        self.call_after_refresh(self.show_detail)

    # ---------------------------------------------------------------- levels
    @property
    def levels(self) -> list[WhyLevel]:
        return list(self.query(WhyLevel))

    def level(self, position: int) -> WhyLevel | None:
        levels = self.levels
        return levels[position - 1] if 0 < position <= len(levels) else None

    @property
    def inputs(self) -> list[WhyInput]:
        return [i for level in self.levels for i in (level.question, level.answer)]

    def suggestion(self, position: int) -> str:
        if position == 1:
            return first_question(self.title) if self.title else ""
        previous = self.level(position - 1)
        return chain_question(previous.answer.value) if previous else ""

    def add_level(self) -> None:
        count = len(self.levels)
        if count >= MAX_LEVELS:
            self.app.notify(f"{MAX_LEVELS} whys is the most a retro keeps", severity="warning")
            return
        position = count + 1
        suggested = self.suggestion(position)
        level = WhyLevel(position, suggested, "", suggested)
        self.query_one("#why-levels").mount(level)
        self.call_after_refresh(self._focus_new, level)

    def _focus_new(self, level: WhyLevel) -> None:
        level.question.focus()
        level.scroll_visible(animate=False)

    def move_focus(self, current: WhyInput, step: int) -> None:
        inputs = self.inputs
        index = inputs.index(current) + step
        if 0 <= index < len(inputs):
            inputs[index].focus()
            inputs[index].scroll_visible(animate=False)

    # ------------------------------------------------------------- the store
    def show(self, whys: tuple[Why, ...], title: str) -> None:
        """Take what the store holds, leaving fields with unsaved typing alone."""
        self.title = title
        self.stored = {w.position: (w.question, w.answer) for w in whys}
        count = len(self.levels)
        wanted = max(DEFAULT_LEVELS, max(self.stored, default=0))
        for position in range(count + 1, wanted + 1):
            question, answer = self.stored.get(position, ("", ""))
            suggested = self.suggestion(position)
            level = WhyLevel(position, question or suggested, answer, suggested)
            self.query_one("#why-levels").mount(level)
        for level in self.levels[:count]:
            question, answer = self.stored.get(level.position, ("", ""))
            self._sync(level.answer, answer)
            level.question.suggested = self.suggestion(level.position)
            self._sync(level.question, question or level.question.suggested, question)

    def _sync(self, field: WhyInput, value: str, stored: str | None = None) -> None:
        if field.dirty:
            return  # the user's typing wins locally until it is saved
        field.known = value
        field.base = value if stored is None else stored
        if field.value != value:
            self._replace(field, value)

    def _replace(self, field: WhyInput, value: str) -> None:
        """Show value in field (a change from elsewhere, or a merge): a cursor
        at the end stays at the end, so typing goes on after the text shown
        rather than inside it; elsewhere it keeps its place."""
        at_end = field.cursor_position >= len(field.value)
        with self.prevent(Input.Changed):
            field.value = value
        field.cursor_position = len(value) if at_end else min(field.cursor_position, len(value))

    def on_input_changed(self, event: Input.Changed) -> None:
        field = event.input
        if not isinstance(field, WhyInput):
            return
        event.stop()
        if field.has_focus:
            self.show_detail()
        if not field.dirty:
            return
        self.pending.add(field.position)
        if field.field == ANSWER:
            self._chain(field.position, field.value)
        self._restart_timer()

    def _chain(self, position: int, answer: str) -> None:
        """An answer proposes the next why, unless someone already wrote that one."""
        following = self.level(position + 1)
        if following is None:
            return
        question = following.question
        if question.dirty or question.value not in ("", question.suggested):
            return
        suggested = chain_question(answer)
        question.suggested = suggested
        question.known = suggested
        if question.value != suggested:
            with self.prevent(Input.Changed):
                question.value = suggested
            question.cursor_position = len(suggested)
        self.pending.add(position + 1)

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_DELAY, self.request_save)

    def request_save(self) -> None:
        self.cancel_pending()
        if self.pending:
            self.post_message(self.SaveRequested())

    def cancel_pending(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, WhyInput):
            event.stop()
            self.move_focus(event.input, 1)

    def on_descendant_blur(self, event) -> None:
        self.call_after_refresh(self.show_detail)
        if isinstance(event.widget, WhyInput) and self.pending:
            self.request_save()

    def changes(self) -> list[tuple[int, str, str]]:
        """(position, question, answer) for each level that differs from the store."""
        out = []
        for position in sorted(self.pending):
            level = self.level(position)
            if level is None:
                continue
            pair = (level.question.value, level.answer.value)
            if pair != self.stored.get(position, ("", "")):
                out.append((position, *pair))
            elif not (level.question.dirty or level.answer.dirty):
                self.pending.discard(position)
        return out

    def base(self, position: int) -> tuple[str, str]:
        """The (question, answer) stored when the level's fields were last in
        step with the store: what the typing was made from."""
        level = self.level(position)
        if level is None:
            return self.stored.get(position, ("", ""))
        return level.question.base, level.answer.base

    def mark_saved(self, why: Why, sent: tuple[str, str] | None = None) -> None:
        """The level was saved: `sent` (what was sent) is stored as `why` says,
        merged with an edit made meanwhile. A field typed in since stays as it
        is, in step up to what was sent (the next save merges again)."""
        self.stored[why.position] = (why.question, why.answer)
        level = self.level(why.position)
        if level is None:
            return
        sent = sent or (why.question, why.answer)
        pairs = ((level.question, sent[0], why.question), (level.answer, sent[1], why.answer))
        for field, was_sent, saved in pairs:
            if field.value != was_sent:
                field.known = field.base = was_sent
                continue
            field.known = field.base = saved
            if field.value != saved:  # merged with another edit
                self._replace(field, saved)
        if (level.question.value, level.answer.value) == (why.question, why.answer):
            self.pending.discard(why.position)


class RootCauseArea(TextArea):
    HELP_GROUP = "3 Root cause"
    BINDINGS = [Binding("escape", "leave", "Leave the field", show=False, id="rootcause.leave")]

    def action_leave(self) -> None:
        self.post_message(LeaveField())


class RootCausePanel(Panel):
    DEFAULT_CSS = """
    RootCausePanel RootCauseArea { height: 1fr; border: none; padding: 0 1; }
    """

    class SaveRequested(Message):
        pass

    def __init__(self, **kwargs):
        super().__init__(3, "Root cause", **kwargs)
        self.border_subtitle = "saved as typed · esc or alt+1-4: leave"
        self.saved_text = ""
        self._timer = None

    def compose(self):
        yield RootCauseArea(
            id="root-cause",
            soft_wrap=True,
            show_line_numbers=False,
            placeholder="In a few lines: what really caused it, and why it was possible",
        )

    @property
    def editor(self) -> RootCauseArea:
        return self.query_one(RootCauseArea)

    @property
    def dirty(self) -> bool:
        return self.editor.text != self.saved_text

    def mark_saved(self, sent: str, stored: str) -> None:
        """`sent` was saved as `stored` (merged with an edit made meanwhile):
        shown as stored unless more was typed since."""
        self.saved_text = sent  # in step up to what was sent: the next save merges again
        if self.editor.text == sent:
            self.show(stored)

    def show(self, text: str) -> None:
        if self.dirty:
            return
        self.saved_text = text
        if self.editor.text != text:
            cursor = self.editor.cursor_location
            with self.prevent(TextArea.Changed):
                self.editor.load_text(text)
            last = self.editor.document.line_count - 1
            row = min(cursor[0], last)
            col = min(cursor[1], len(self.editor.document.get_line(row)))
            self.editor.cursor_location = (row, col)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if not self.dirty:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_DELAY, self.request_save)

    def request_save(self) -> None:
        self.cancel_pending()
        if self.dirty:
            self.post_message(self.SaveRequested())

    def cancel_pending(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def on_descendant_blur(self, event) -> None:
        if self.dirty:
            self.request_save()
