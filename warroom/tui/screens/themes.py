"""The theme list of the command palette, with the theme in use marked."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits
from textual.theme import ThemeProvider

CURRENT = "  ✔ in use"


class MarkedThemes(ThemeProvider):
    def _shown(self, name: str) -> str:
        return name + CURRENT if name == self.app.theme else name

    async def discover(self) -> Hits:
        for name, callback in self.commands:
            yield DiscoveryHit(self._shown(name), callback, text=name)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback in self.commands:
            if (match := matcher.match(name)) > 0:
                shown = matcher.highlight(name)
                if name == self.app.theme:
                    shown.append(CURRENT)
                yield Hit(match, shown, callback, text=name)
