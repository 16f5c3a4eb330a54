"""Panel 2: the role board. Select a role, press enter to assign, u to unassign."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..model import Board
from ..policy import Policy
from .common import Panel, lit, update_options

ROLE_HINT = {
    "Lead": "incident commander",
    "Coordinator": "gets the team what it needs",
    "Scribe": "keeps the timeline",
    "Communicator": "updates stakeholders",
    "Responder": "hands on the problem",
}


class RoleList(OptionList):
    HELP_GROUP = "2 Roles"
    BINDINGS = [
        Binding("enter,a", "assign", "Assign", id="roles.assign", tooltip="Assign or hand off"),
        Binding("u,delete", "unassign", "Unassign", id="roles.unassign", tooltip="Unassign"),
    ]

    class Assign(Message):
        def __init__(self, role: str):
            super().__init__()
            self.role = role

    class Unassign(Message):
        def __init__(self, role: str):
            super().__init__()
            self.role = role

    def _role(self) -> str | None:
        option = self.highlighted_option
        return option.id if option else None

    def action_assign(self) -> None:
        if role := self._role():
            self.post_message(self.Assign(role))

    def action_unassign(self) -> None:
        if role := self._role():
            self.post_message(self.Unassign(role))


class RolesPanel(Panel):
    DEFAULT_CSS = """
    RolesPanel OptionList, RolesPanel OptionList:focus {
        border: none; height: 1fr; padding: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, policy: Policy, **kwargs):
        super().__init__(2, "Roles", **kwargs)
        self.policy = policy

    def compose(self):
        yield RoleList(id="role-list")

    def show(self, board: Board) -> None:
        olist = self.query_one(RoleList)
        options = []
        for role in self.policy.roles:
            holders = board.holders(role)
            label = f"{role}s" if role == self.policy.multi_role else role
            line = Text.assemble((f"{label:<14}", "bold"))
            if not holders:
                line.append("— unassigned", style="dim italic")
            else:
                line.append_text(lit(", ".join(h.person for h in holders)))
                previous = holders[-1].previous
                if previous and role != self.policy.multi_role and previous != holders[-1].person:
                    line.append_text(lit(f"  (was {previous})", "dim italic"))
            line.no_wrap = True
            line.overflow = "ellipsis"
            options.append(Option(line, id=role))
        update_options(olist, options)
        missing = [r for r in self.policy.single_roles if not board.holders(r)]
        self.border_subtitle = f"{len(missing)} open" if missing else "all held"
