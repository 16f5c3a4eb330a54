"""How bytes from the terminal become keys and pastes: Textual's parser, with
two things put right for the terminals warroom runs in (tmux above all).

A bracketed paste is one paste, whatever it holds. Textual 8.2.8 ends a paste
at the first ESC inside it (`\\x1b[200~a\\x1b[2Jb\\x1b[201~` comes out as the keys
`^ [ 2 J b`, then the paste `a`), so a coloured log line pasted into a note
turned into key presses: an `X` in it opened the close dialog, a CR confirmed
it. Here everything between ESC[200~ and ESC[201~ is handed on as one Paste;
the text then takes the way every paste takes (the gate, one_line_paste, the
safe widgets that show ESC and other controls as placeholders).

ESC and a digit is alt and that digit. tmux and xterm (meta sends escape) send
alt+1 as ESC 1, and tmux turns escape then a digit typed within its
escape-time into the same two bytes; Textual maps them to the macOS Option
characters `¡ ™ £ ¢ ∞ …`, which were typed into fields and saved, and the
alt+digit panel keys never fired. Here they are alt+0 … alt+9, keys that type
nothing.

Installed by the war room as it starts (install()): the Linux drivers build
their parser from the name they imported, which is the one thing changed."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual._time import get_time
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.message import Message

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual._time:get_time": "attribute",
    "textual._xterm_parser:XTermParser": "class",
    "textual._xterm_parser:XTermParser.__init__": "self, debug",
    "textual._xterm_parser:XTermParser.feed": "self, data",
    "textual._xterm_parser:XTermParser.tick": "self",
    "textual._xterm_parser:XTermParser._sequence_to_key_events": "self, sequence, alt",
    "textual._xterm_parser:XTermParser._timeout_time": "attribute",
    "textual._xterm_parser:BRACKETED_PASTE_START": "attribute",
    "textual._xterm_parser:BRACKETED_PASTE_END": "attribute",
    "textual.drivers.linux_driver:XTermParser": "class",
    "textual.drivers.linux_inline_driver:XTermParser": "class",
}


# Textual's own parser, for comparing with it.
TextualParser = XTermParser

ESC = "\x1b"
_START_LEN = len(BRACKETED_PASTE_START)


class WarroomParser(XTermParser):
    """XTermParser that keeps a bracketed paste whole and reads ESC+digit as
    alt+digit."""

    def __init__(self, debug: bool = False) -> None:
        # How much of ESC[200~ the characters handed to Textual's parser end
        # with; once all of it went through, that parser is in its paste mode
        # and the paste's own characters are kept here, not handed on.
        self._start_seen = 0
        self._paste: list[str] | None = None
        self._paste_tail = ""
        super().__init__(debug)

    def tick(self) -> Iterable[Message]:
        if self._timeout_time is not None and get_time() >= self._timeout_time:
            # The parser gives up on a sequence: what came before is keys
            # (an escape), so a paste start has to begin afresh.
            self._start_seen = 0
        return super().tick()

    def feed(self, data: str) -> Iterable[Message]:
        if not data:  # end of input: a paste cut short is still pasted
            if self._paste is not None:
                yield from self._end_paste("".join(self._paste), finished=False)
            yield from super().feed(data)
            return
        while data:
            if self._paste is not None:
                # The end sequence may straddle two reads: look in what the
                # last read ended with as well.
                window = self._paste_tail + data
                end = window.find(BRACKETED_PASTE_END)
                if end < 0:
                    self._paste.append(data)
                    self._paste_tail = window[-(len(BRACKETED_PASTE_END) - 1) :]
                    return
                held = "".join(self._paste)
                text = held[: len(held) - len(self._paste_tail)] + window[:end]
                data = window[end + len(BRACKETED_PASTE_END) :]
                yield from self._end_paste(text)
                continue
            upto = self._find_start(data)
            if upto is None:
                yield from super().feed(data)
                return
            # Textual's parser sees the start (and enters its paste mode);
            # the rest is the paste.
            yield from super().feed(data[:upto])
            data = data[upto:]
            self._paste, self._paste_tail = [], ""

    def _find_start(self, data: str) -> int | None:
        """The position just after ESC[200~ in data (counting what earlier
        feeds ended with), or None, remembering how much of it data ends with."""
        seen = self._start_seen
        for at, character in enumerate(data):
            if character == BRACKETED_PASTE_START[seen]:
                seen += 1
                if seen == _START_LEN:
                    self._start_seen = 0
                    return at + 1
            else:
                seen = 1 if character == ESC else 0
        self._start_seen = seen
        return None

    def _end_paste(self, text: str, finished: bool = True) -> Iterable[Message]:
        self._paste = None
        # Textual's parser leaves its paste mode on the end sequence, with an
        # empty paste of its own (only the ESC was in its buffer): dropped.
        if finished:
            for message in super().feed(BRACKETED_PASTE_END):
                if not isinstance(message, events.Paste):
                    yield message
        # NUL removed as Textual does (https://github.com/Textualize/textual/issues/1661).
        yield events.Paste(text.replace("\x00", ""))

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        if len(sequence) == 2 and sequence[0] == ESC and sequence[1] in "0123456789":
            return [events.Key(f"alt+{sequence[1]}", None)]
        return super()._sequence_to_key_events(sequence, alt)


def install() -> None:
    """Make the Linux driver read the terminal through WarroomParser (call
    before the app runs; a second call changes nothing)."""
    from textual.drivers import linux_driver, linux_inline_driver

    for driver in (linux_driver, linux_inline_driver):
        driver.XTermParser = WarroomParser  # type: ignore[attr-defined]
