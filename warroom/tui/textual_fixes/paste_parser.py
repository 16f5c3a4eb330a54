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

WarroomParser holds a Textual parser and only decides what to hand it: the
paste's own characters never reach it, and the key it makes of ESC+digit is
replaced. Textual's parser is used through its public methods (feed, tick);
the one private name left is its module, `textual._xterm_parser`: the key
tables behind it (`textual._ansi_sequences`, `textual._keyboard_protocol`) and
its reading of mouse, focus and mode reports are private too, and copying
them would be a parser of warroom's to keep in step with Textual's.
warroom/tui/terminal.py's driver reads the terminal through it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual import events
from textual._xterm_parser import XTermParser
from textual.message import Message

# The private names this fix relies on, as tests/ui/test_textual_fixes.py checks them.
TEXTUAL_NAMES = {
    "textual._xterm_parser:XTermParser": "class",
    "textual._xterm_parser:XTermParser.__init__": "self, debug",
    "textual._xterm_parser:XTermParser.feed": "self, data",
    "textual._xterm_parser:XTermParser.tick": "self",
}


# Textual's own parser, for comparing with it.
TextualParser = XTermParser

ESC = "\x1b"
DIGITS = "0123456789"
# What a terminal in bracketed paste mode (ESC[?2004h) sends around a paste.
BRACKETED_PASTE_START = "\x1b[200~"
BRACKETED_PASTE_END = "\x1b[201~"
_START_LEN = len(BRACKETED_PASTE_START)


class WarroomParser:
    """Textual's parser, handed everything but a bracketed paste's contents,
    which come out whole as one Paste; ESC+digit comes out as alt+digit."""

    def __init__(self) -> None:
        self.textual = TextualParser()
        # How much of ESC[200~ the characters handed to Textual's parser end
        # with; once all of it went through, that parser is in its paste mode
        # and the paste's own characters are kept here, not handed on.
        self._start_seen = 0
        self._paste: list[str] | None = None
        self._paste_tail = ""
        # The last character handed on was an ESC that Textual's parser still
        # holds (it waits for what follows, until its escape delay is up).
        self._esc_held = False

    def tick(self) -> Iterable[Message]:
        messages = list(self.textual.tick())
        if messages:
            # The parser gave up waiting on a sequence and sent what it held
            # as keys (an escape): a paste start, an ESC+digit begin afresh.
            self._start_seen = 0
            self._esc_held = False
        return messages

    def feed(self, data: str) -> Iterator[Message]:
        if not data:  # end of input: a paste cut short is still pasted
            if self._paste is not None:
                yield from self._end_paste("".join(self._paste), finished=False)
            yield from self.textual.feed(data)
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
                yield from self._hand_on(data)
                return
            # Textual's parser sees the start (and enters its paste mode);
            # the rest is the paste.
            yield from self._hand_on(data[:upto])
            data = data[upto:]
            self._paste, self._paste_tail = [], ""

    def _hand_on(self, data: str) -> Iterator[Message]:
        """Feed data to Textual's parser, up to and including each digit that
        follows an ESC at a time: the key it makes of that pair (the last
        message that feed brings) is alt+digit."""
        start = 0
        for at, character in enumerate(data):
            if character in DIGITS and (data[at - 1] == ESC if at else self._esc_held):
                messages = list(self.textual.feed(data[start : at + 1]))
                if messages and isinstance(messages[-1], events.Key):
                    messages[-1] = events.Key(f"alt+{character}", None)
                yield from messages
                start = at + 1
        if start < len(data):
            yield from self.textual.feed(data[start:])
        self._esc_held = data.endswith(ESC)

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

    def _end_paste(self, text: str, finished: bool = True) -> Iterator[Message]:
        self._paste = None
        # Textual's parser leaves its paste mode on the end sequence, with an
        # empty paste of its own (only the ESC was in its buffer): dropped.
        if finished:
            for message in self.textual.feed(BRACKETED_PASTE_END):
                if not isinstance(message, events.Paste):
                    yield message
            self._esc_held = False
        # NUL removed as Textual does (https://github.com/Textualize/textual/issues/1661).
        yield events.Paste(text.replace("\x00", ""))
