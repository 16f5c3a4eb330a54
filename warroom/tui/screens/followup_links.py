"""The retro's action items as new-issue links (GitHub or GitLab), shown as
terminal hyperlinks: the text through lit() (text.py), the URL every
character of it percent-encoded printable ASCII, so neither can carry an
escape sequence to the terminal."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Label, Static

from warroom.formats import followups as fu
from warroom.tui.widgets.common import lit
from warroom.tui.widgets.modal import Modal
from warroom.tui.widgets.reads import read_then


def safe_link(url: str) -> str | None:
    """The URL when it is printable ASCII without spaces (what the
    renderers make), else None: a link the terminal could misread is not drawn."""
    ok = url.isascii() and all(0x21 <= ord(ch) < 0x7F for ch in url)
    return url if ok and url.startswith("https://") else None


def link_text(title: str, url: str) -> Text:
    text = lit(title)
    link = safe_link(url)
    if link is not None:
        text.stylize(Style(link=link, underline=True))
    return text


class LinksModal(Modal):
    """One line per action item, each a hyperlink to its filled-in new issue."""

    def __init__(self, title: str, rows: list[tuple[str, str]]):
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self):
        with Vertical():
            yield Label(lit(self.title_text, "bold"), classes="prompt")
            for title, url in self.rows:
                yield Static(link_text(title, url), classes="issue-link")
            yield Label(lit("click a title to open its new issue · escape: close"), classes="hint")


def show_links(screen, incident_id: int) -> None:
    """Ask for the repository (owner/name; gitlab:group/project for GitLab),
    then show the links. The action items are read on the database worker
    first; the keys typed meanwhile are for the question."""
    read_then(
        screen,
        lambda store: (store.get_incident(incident_id), store.action_items(incident_id)),
        lambda read: _ask_repo(screen, incident_id, *read),
        "the action items",
        hold=True,
    )


def _ask_repo(screen, incident_id: int, incident, actions) -> None:
    from warroom.tui.screens.modals import TextPrompt

    app = screen.app
    items = fu.followups(incident, actions, f"incident-{incident_id}.md", app.config.people)

    def chosen(repo: str | None) -> None:
        repo = (repo or "").strip()
        if not repo:
            return
        try:
            if repo.startswith("gitlab:"):
                rows = [(f.title, fu.gitlab_url(repo[7:], f)) for f in items]
            else:
                rows = [(f.title, fu.github_url(repo.removeprefix("github:"), f)) for f in items]
        except ValueError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        app.push_screen(LinksModal(f"New issues in {repo}", rows))

    app.push_screen(
        TextPrompt("Issues in which repository?", hint="owner/name, or gitlab:group/project"),
        chosen,
    )
