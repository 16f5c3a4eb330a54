"""The draft's three-way merge."""

from __future__ import annotations

from warroom.core.merge import merge3

BASE = "Status: investigating\nImpact: EU checkout\nNext update: 10:00\n"


def test_changes_to_different_lines_are_both_kept():
    ours = BASE.replace("investigating", "mitigating")
    theirs = BASE.replace("10:00", "10:30")
    assert merge3(BASE, ours, theirs) == (
        "Status: mitigating\nImpact: EU checkout\nNext update: 10:30\n"
    )


def test_words_added_to_the_same_line_are_both_kept():
    ours = BASE.replace("EU checkout", "EU checkout and payments")
    theirs = BASE.replace("Impact:", "Customer impact:")
    assert "Customer impact: EU checkout and payments\n" in merge3(BASE, ours, theirs)


def test_the_same_change_on_both_sides_is_kept_once():
    ours = theirs = BASE + "Owner: bob\n"
    assert merge3(BASE, ours, theirs) == ours
    both = BASE.replace("EU", "US")
    assert merge3(BASE, both, both) == both


def test_one_side_unchanged_takes_the_other():
    ours = BASE + "more\n"
    assert merge3(BASE, ours, BASE) == ours
    assert merge3(BASE, BASE, ours) == ours


def test_the_same_word_changed_differently_does_not_merge():
    assert merge3(BASE, BASE.replace("EU", "US"), BASE.replace("EU", "UK")) is None


def test_words_typed_at_the_end_by_both_keep_everyone_s_words_or_refuse():
    base = "Update: "
    merged = merge3(base, base + "alpha beta", base + "gamma delta")
    assert merged is None or all(w in merged for w in ("alpha", "beta", "gamma", "delta"))


def test_text_without_trailing_newline():
    assert merge3("a\nb", "A\nb", "a\nB") == "A\nB"
