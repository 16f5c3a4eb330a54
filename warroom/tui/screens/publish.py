"""What will go out, before it goes (ctrl+o when the policy has a status
page): the public title, the public status, each component's state and the
text. Today's choices are preselected; ctrl+s sends, escape goes back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Select

from warroom.core.policy import COMPONENT_STATES, PUBLIC_STATUSES
from warroom.core.public import NO_PUBLIC_TITLE
from warroom.tui.widgets.common import lit, lit_block
from warroom.tui.widgets.modal import Modal


class PublishPreview(Modal):
    """Dismisses with (status, ("id=state", ...)) to send, or None."""

    DEFAULT_CSS = """
    PublishPreview > Vertical { width: 76; overflow-y: auto; }
    PublishPreview .row { height: auto; }
    PublishPreview .row Label { width: 24; padding-top: 1; }
    PublishPreview .row Select { width: 1fr; }
    PublishPreview #publish-text { height: auto; max-height: 8; border: round $primary; }
    """
    BINDINGS = [Binding("ctrl+s", "send", "Send", id="publish.send")]

    def __init__(
        self,
        title: str,
        text: str,
        status: str,
        components: list[tuple[str, str, str]],  # (id, name, state now)
        named: set[str],  # the components this incident's updates named
    ):
        super().__init__()
        self.public_title = title
        self.text = text
        self.status = status
        self.components = components
        self.named = named

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(lit("What stakeholders will see", "bold"), classes="prompt")
            if self.public_title:
                yield Label(lit(f"Title: {self.public_title}"), id="publish-title")
            else:
                yield Label(
                    lit(f"Title: {NO_PUBLIC_TITLE}: the status page leaves it out (t sets one)"),
                    id="publish-title",
                )
            with Horizontal(classes="row"):
                yield Label("Status")
                yield Select(
                    [(s, s) for s in PUBLIC_STATUSES],
                    value=self.status,
                    allow_blank=False,
                    id="publish-status",
                )
            for cid, name, state in self.components:
                with Horizontal(classes="row"):
                    yield Label(lit(name))
                    yield Select(
                        [(s.replace("_", " "), s) for s in COMPONENT_STATES],
                        value=state,
                        allow_blank=False,
                        id=f"publish-component-{cid}",
                    )
            with VerticalScroll(id="publish-text"):
                yield Label(lit_block(self.text))
            yield Label(
                "ctrl+s: send · tab: next choice · escape: back to the draft", classes="hint"
            )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#publish-status", Select).focus()

    def choices(self) -> tuple[str, tuple[str, ...]]:
        status = self.query_one("#publish-status", Select).value
        chosen = []
        for cid, _name, state in self.components:
            picked = self.query_one(f"#publish-component-{cid}", Select).value
            # A component is named when this incident named it before or it is not operational.
            if cid in self.named or picked != "operational" or picked != state:
                chosen.append(f"{cid}={picked}")
        return str(status), tuple(chosen)

    def action_send(self) -> None:
        self.dismiss(self.choices())


def preview(app, incident_id: int, text: str, done) -> None:
    """Read where the incident stands in public (on the database worker),
    then show the preview; done(choices or None) when it closes."""
    from warroom.core.public import public_incident

    def fetch(store):
        return public_incident(store.get_incident(incident_id), store.timeline(incident_id))

    def show(view) -> None:
        if view is None:  # a drill: nothing of it reaches the status page
            done((None, ()))
            return
        states = dict(view.components)
        components = [
            (c.id, c.name, states.get(c.id, "operational"))
            for c in app.policy.status_page.components
        ]
        # Today's choices: where it stands (a closed incident's next update says resolved).
        app.push_screen(
            PublishPreview(view.title, text, view.public_status, components, set(states)), done
        )

    app.read(fetch, show)
