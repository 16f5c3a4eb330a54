"""The command line's verb table: every verb the parser knows is run by a
function that exists (the table names them as text, imported when asked)."""

from __future__ import annotations

import re

import pytest
from runners import python_says

from warroom.cli import commands
from warroom.cli.parser import build_parser
from warroom.core.errors import UsageError


def _verbs() -> set[str]:
    """The verbs argparse offers, as its error for an unknown one lists them."""
    with pytest.raises(UsageError) as refused:
        build_parser().parse_args(["no-such-verb"])
    return set(re.findall(r"'([a-z-]+)'", str(refused.value).split("choose from", 1)[1]))


def test_every_verb_has_a_function_that_runs_it():
    verbs = _verbs()
    assert len(verbs) > 30
    assert verbs == set(commands.VERBS) | {"demo"}
    for verb in verbs:
        assert callable(commands.handler(verb)), verb


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "x.db", "-q", "tick", "3", "c1"],
        ["--as=maya", "retro", "action", "add", "2", "Fix it", "--owner", "raj"],
        ["task", "skip", "4", "not needed"],
        ["--read-only", "list", "--all", "--json"],
    ],
)
def test_a_verb_s_own_parser_reads_it_as_the_whole_parser_does(argv):
    assert build_parser(argv).parse_args(argv) == build_parser().parse_args(argv)


def test_warroom_alone_has_the_parser_s_arguments_without_building_it():
    """`warroom` with no arguments (the war room) skips argparse: what it gets
    is what the parser makes of no arguments."""
    assert vars(commands.parse_args([])) == vars(build_parser([]).parse_args([]))
    probe = (
        "import sys; from warroom.cli import commands; commands.parse_args([]);"
        " print('argparse' in sys.modules)"
    )
    assert python_says(probe) == "False"
