"""Panel 2: the role board. Select a role, press enter to assign (the person is
chosen right under the roles), u to unassign."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from warroom.core.model import Board
from warroom.core.policy import Policy
from warroom.tui.widgets.bindings import with_bindings
from warroom.tui.widgets.common import Panel, lit
from warroom.tui.widgets.rows import RowList

if TYPE_CHECKING:
    from warroom.tui.widgets.people import PersonChooser


# Letters the role board cannot give a role: its own keys, the list's, and
# the war room's (s is Stage, i Act as...), which keep working here.
TAKEN = set("aujkpsinqzgx")


def role_keys(roles: tuple[str, ...]) -> dict[str, str]:
    """A letter for each role (the first of its name not taken): typed on the
    board, it assigns that role. Lead l, Coordinator c, Scribe r, ..."""
    keys: dict[str, str] = {}
    for role in roles:
        for letter in role.lower():
            if letter.isalpha() and letter not in TAKEN and letter not in keys:
                keys[letter] = role
                break
    return keys


class RoleList(RowList):
    HELP_GROUP = "2 Roles"
    HANG = 14  # under the names, past the role
    BINDINGS = [
        Binding("enter,a", "assign", "Assign", id="roles.assign", tooltip="Assign or hand off"),
        Binding("u,delete", "unassign", "Unassign", id="roles.unassign", tooltip="Unassign"),
    ]
    role_keys: dict[str, str] = {}

    class Assign(Message):
        def __init__(self, role: str):
            super().__init__()
            self.role = role

    class Unassign(Message):
        def __init__(self, role: str):
            super().__init__()
            self.role = role

    class Grown(Message):
        """Long names wrapped: the board needs this many lines to show whole."""

        def __init__(self, lines: int):
            super().__init__()
            self.lines = lines

    def lines_changed(self, count: int) -> None:
        self.post_message(self.Grown(count))

    @classmethod
    def for_keys(cls, keys: dict[str, str]) -> type[RoleList]:
        """The class whose BINDINGS hold a letter for each role (role_keys):
        bindings rather than a key handler, see ChecklistList.for_policy."""
        made = with_bindings(
            cls,
            tuple(
                Binding(letter, f"assign_role({role!r})", show=False)
                for letter, role in keys.items()
            ),
        )
        made.role_keys = keys
        return made

    def action_assign_role(self, role: str) -> None:
        if role in self.ids:
            self.highlighted = self.ids.index(role)
            self.post_message(self.Assign(role))

    def action_assign(self) -> None:
        if role := self.highlighted_id:
            self.post_message(self.Assign(role))

    def action_unassign(self) -> None:
        if role := self.highlighted_id:
            self.post_message(self.Unassign(role))


class RolesPanel(Panel):
    class Picked(Message):
        """Someone was chosen for a role on the board."""

        def __init__(self, role: str, person: str, when: str = ""):
            super().__init__()
            self.role = role
            self.person = person
            self.when = when  # typed before the name ('@23:10 alice'): the hand-off's time

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(2, "Roles", **kwargs)
        self.policy = policy
        self.choosing: str | None = None  # the role a person is being chosen for

    def compose(self):
        yield RoleList.for_keys(role_keys(self.policy.roles))(id="role-list")

    def _chooser(self) -> PersonChooser | None:
        found = self.query("#role-chooser")
        return cast("PersonChooser", found.first()) if found else None

    def choose(self, role: str, title: str, people: list[str], exclude: set[str]) -> None:
        """Ask for a person inline, under the roles: no dialog to open and close."""
        self.choosing = role
        chooser = self._chooser()
        if chooser is None:
            # Made (and imported) on the first hand-off, not at start-up, then kept.
            from warroom.tui.widgets.people import RoleChooser

            chooser = RoleChooser(hint="↓ known people · @14:05 name · esc", id="role-chooser")
            chooser.times_first = True
            self.mount(chooser)
        # Shown and hidden with an inline style: a class on the panel would
        # restyle every widget in it on each hand-off.
        chooser.visible = True
        chooser.start(title, people, exclude)

    def close_chooser(self) -> None:
        """Hide the chooser and go back to the board."""
        if not self.app.screen_stack:  # called late, as the app closes: nothing to focus
            return
        self._stop_choosing()
        self.query_one(RoleList).focus()

    def _stop_choosing(self) -> None:
        self.choosing = None
        chooser = self._chooser()
        if chooser is not None:
            chooser.visible = False

    def on_person_chooser_chosen(self, message) -> None:
        # The chooser stays until the screen has the hand-off on show (see
        # WarRoomScreen.on_roles_panel_picked): closing it moves focus and
        # redraws the panel, which would only hold up that paint.
        message.stop()
        if self.choosing is not None:
            # To the screen, which writes it (the grid between does not handle it).
            picked = self.Picked(self.choosing, message.person, message.when)
            self.screen.post_message(picked)
            self.choosing = None  # one hand-off per opening, however fast enter comes again

    def on_person_chooser_cancelled(self, message) -> None:
        message.stop()
        self.close_chooser()

    def on_descendant_blur(self) -> None:
        # Leaving the chooser (tab, a click elsewhere) cancels it.
        self.call_later(self._cancel_if_left)

    def _cancel_if_left(self) -> None:
        chooser = self._chooser()
        if self.choosing is not None and not (chooser and chooser.has_focus_within):
            self._stop_choosing()

    def shows(self, board: Board) -> tuple:
        """What show(board) draws, for telling whether it changed: who holds
        each role and who held it before (not when: a hand-off pending shows
        the time it was typed, the stored one its commit's)."""
        return tuple(
            (tuple(h.person for h in holders), holders[-1].previous if holders else None)
            for holders in map(board.holders, self.policy.roles)
        )

    def show(self, board: Board) -> None:
        olist = self.query_one(RoleList)
        letters = {role: key for key, role in olist.role_keys.items()}
        rows: list[tuple[str | None, Text]] = []
        for role in self.policy.roles:
            holders = board.holders(role)
            label = f"{role}s" if role == self.policy.multi_role else role
            line = Text(f"{label:<14}", "bold")
            if role in letters:  # the letter that assigns it, underlined
                at = label.lower().index(letters[role])
                line.stylize("underline", at, at + 1)
            if not holders:
                line.append("— unassigned", style="dim italic")
            else:
                line.append_text(lit(", ".join(h.person for h in holders)))
                previous = holders[-1].previous
                if previous and role != self.policy.multi_role and previous != holders[-1].person:
                    line.append_text(lit(f"  (was {previous})", "dim italic"))
            rows.append((role, line))
        olist.set_rows(rows)
        missing = [r for r in self.policy.single_roles if not board.holders(r)]
        count = len(missing)
        # The bottom border row alone (most hand-offs leave the count as it was).
        self.set_subtitle(
            f"{count} role{'s' if count != 1 else ''} unassigned" if missing else "all held"
        )
