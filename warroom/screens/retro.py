"""The retro screen for one incident."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer, Static


class RetroScreen(Screen):
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, incident_id: int):
        super().__init__()
        self.incident_id = incident_id

    def compose(self):
        yield Static("The retro screen is being written.")
        yield Footer()
