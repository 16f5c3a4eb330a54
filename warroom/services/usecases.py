"""What both interfaces do the same way: the CLI and the TUI call these.

- closing drafts the 'incident closed' announcement for the communicator;
- the draft an incident has is the saved one with its generated parts
  following the incident, or the template when nobody saved one; publishing
  it shows first what it says that the incident no longer is, and the next
  draft starts from the update template;
- publishing hands the update to the team's publish hook and writes what the
  hook did on the timeline (run, failed, or skipped for a drill);
- an update says what the status page shows with it (a public status and
  component states), and every publish, close and correction of a published
  update rebuilds the status page when the policy names its folder;
- an action item's fields are checked with the store's limits, so a form can
  point at the field that is wrong before anything is written.

Each rule is a plain function over the store: the TUI runs the same steps
through its write queue (and the hook off the UI thread), the CLI one after
another. No Textual here."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from warroom.core.errors import UsageError
from warroom.core.model import Draft, Incident, Proposal, TimelineEntry
from warroom.core.policy import Policy
from warroom.core.record import record, replace
from warroom.core.templates import draft_text, draft_warnings, render_template
from warroom.core.text import MAX_SHORT, clean_name
from warroom.services.config import Config

if TYPE_CHECKING:
    from warroom.core.ports import StorePort
from warroom.services.hooks import HookResult, run_publish_hook, skip_reason

# The longest ticket reference an action item takes (the store refuses longer).
MAX_TICKET = 200


# --------------------------------------------------------------------- close
@record
class Closed:
    incident: Incident
    draft: Draft  # the 'incident closed' announcement, drafted (not published)
    page_problem: str | None = None  # why the status page was not rebuilt, if it was not


def close_step(
    store: StorePort, incident_id: int, resolution: str, at: datetime | None = None
) -> Incident:
    """The close itself (the first of close()'s two writes)."""
    return store.close_incident(incident_id, resolution, at)


def draft_closed_announcement(
    store: StorePort, policy: Policy, incident: Incident, now: datetime
) -> Draft:
    """The communicator's next message is the 'incident closed' one: drafted
    over whatever the draft held (which stays in the draft's history)."""
    text = render_template("closed", policy, incident, now)
    return store.save_draft(incident.id, text, store.draft(incident.id).version)


def close(
    store: StorePort,
    policy: Policy,
    incident_id: int,
    resolution: str,
    at: datetime | None,
    now: datetime,
) -> Closed:
    """Close the incident and draft the 'incident closed' announcement."""
    incident = close_step(store, incident_id, resolution, at)
    draft = draft_closed_announcement(store, policy, incident, now)
    return Closed(incident, draft, refresh_status_page(store, policy))


# ------------------------------------------------------------------- publish
@record
class HookOutcome:
    result: HookResult
    event: str  # the timeline event: hook.ok, hook.failed or hook.skipped

    @property
    def summary(self) -> str:
        return self.result.summary


@record
class Published:
    entry: TimelineEntry
    hook: HookOutcome | None  # None: no publish hook is configured
    page_problem: str | None = None  # why the status page was not rebuilt, if it was not
    draft: Draft | None = None  # the draft version that went out (publish_draft)


def refresh_status_page(store: StorePort, policy: Policy) -> str | None:
    """Rebuild the status page where the policy says it lives ([status_page]
    dir), after a change stakeholders see. The change is made whatever
    happens here: a failure is returned as one line, never raised."""
    folder = policy.status_page.dir
    if not folder:
        return None
    from pathlib import Path

    from warroom.formats.statuspage import build

    try:
        build(store, policy, Path(folder).expanduser())
    except (OSError, UsageError) as exc:
        return f"status page not rebuilt in {folder}: {exc}"
    return None


def public_choices(
    status: str | None, components: list[str] | tuple[str, ...] | None
) -> tuple[str | None, dict[str, str] | None]:
    """--status and --component ID=STATE as publish_update takes them."""
    from warroom.core.public import parse_component

    named = dict(parse_component(c) for c in components or ())
    return status, named or None


def hook_skipped(policy: Policy, config: Config, incident: Incident) -> HookOutcome | None:
    """The outcome without running anything, when the hook must not run for
    this incident (a drill, unless the policy says drills run it) or at all
    (the demo: a throwaway war room never posts to the team's channel)."""
    skipped = config.hooks_off or skip_reason(policy, incident)
    return HookOutcome(HookResult(True, skipped), "hook.skipped") if skipped else None


def run_hook(config: Config, incident: Incident, entry: TimelineEntry) -> HookOutcome:
    """Run the team's command with the published text (slow: the TUI calls
    this off its UI thread). Touches no store."""
    result = run_publish_hook(
        config.publish_command, entry.text, incident, entry, config.publish_timeout
    )
    return HookOutcome(result, "hook.ok" if result.ok else "hook.failed")


def record_hook(
    store: StorePort, incident_id: int, entry: TimelineEntry, outcome: HookOutcome
) -> TimelineEntry:
    """What the hook did goes on the timeline, tied to the update's entry."""
    return store.record_event(incident_id, outcome.summary, outcome.event, entry=entry.id)


def publish(
    store: StorePort,
    policy: Policy,
    config: Config,
    incident_id: int,
    text: str,
    at: datetime | None = None,
    status: str | None = None,
    components: dict[str, str] | None = None,
) -> Published:
    """Publish an update, then hand it to the publish hook (when one is set),
    then rebuild the status page (when the policy names its folder)."""
    entry = store.publish_update(incident_id, text, at, status, components)
    outcome = None
    if config.publish_command:
        incident = store.get_incident(incident_id)
        outcome = hook_skipped(policy, config, incident) or run_hook(config, incident, entry)
        record_hook(store, incident_id, entry, outcome)
    return Published(entry, outcome, refresh_status_page(store, policy))


def current_draft(store: StorePort, policy: Policy, incident_id: int, now: datetime) -> Draft:
    """The draft as everyone sees it (see templates.draft_text): its saved
    version, its text following the incident."""
    incident = store.get_incident(incident_id)
    draft = store.draft(incident_id)
    text = draft_text(policy, incident, draft.text, now, draft.version > 0)
    return replace(draft, text=text)


def draft_problems(store: StorePort, policy: Policy, incident_id: int, text: str) -> list[str]:
    """What the publisher must see first: where the draft no longer says what
    the incident is."""
    return draft_warnings(text, policy, store.get_incident(incident_id))


def publish_draft(
    store: StorePort,
    policy: Policy,
    config: Config,
    incident_id: int,
    at: datetime | None,
    now: datetime,
    status: str | None = None,
    components: dict[str, str] | None = None,
) -> Published:
    """Publish the draft (as current_draft has it), then start the next one
    from the update template, as the TUI does: the published version stays
    in the draft's history."""
    draft = current_draft(store, policy, incident_id, now)
    if not draft.text.strip():
        raise UsageError(f"incident {incident_id} has no draft update to publish")
    published = publish(store, policy, config, incident_id, draft.text, at, status, components)
    fresh = render_template("update", policy, store.get_incident(incident_id), now)
    store.save_draft(incident_id, fresh, draft.version)
    return replace(published, draft=draft)


# -------------------------------------------------------------- action items
class FieldError(UsageError):
    """An action item's field refused; `field` names it (title, owner, due, ticket)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@record
class ActionFields:
    title: str
    owner: str
    due: date | None
    ticket: str


def parse_due(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(
            "due",
            f"Due date {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-05 (or leave it empty)",
        ) from None


def check_action(
    title: str, owner: str = "", due: date | str | None = None, ticket: str = ""
) -> ActionFields:
    """An action item's fields as the store will take them, or FieldError
    naming the first field it would refuse."""
    title = title.strip()
    if not title:
        raise FieldError("title", "An action item needs a title.")
    if len(title) > MAX_SHORT:
        raise FieldError("title", f"The title is longer than {MAX_SHORT} characters.")
    owner = owner.strip()
    if owner:
        try:
            owner = clean_name(owner, "owner")
        except UsageError as exc:
            raise FieldError("owner", str(exc)) from None
    if isinstance(due, str) or due is None:
        due = parse_due(due)
    ticket = ticket.strip()
    if len(ticket) > MAX_TICKET:
        raise FieldError("ticket", f"The ticket reference is longer than {MAX_TICKET} characters.")
    return ActionFields(title, owner, due, ticket)


# ------------------------------------------------------------------ intake
def proposal_route(policy: Policy, proposal: Proposal) -> tuple[str | None, str]:
    """The category and priority a proposal's alerts ask for ([[intake.route]])."""
    return policy.route(proposal.labels)


def accept_proposal(
    store: StorePort,
    policy: Policy,
    proposal_id: int,
    category: str | None = None,
    priority: str | None = None,
) -> Incident:
    """Declare the incident a proposal stands for: the category and priority
    given, else those of the first [[intake.route]] its labels match; the
    reported time is the earliest start of its alerts."""
    routed_category, routed_priority = proposal_route(policy, store.proposal(proposal_id))
    return store.accept_proposal(
        proposal_id, category or routed_category, priority or routed_priority
    )


def decline_proposal(store: StorePort, proposal_id: int, reason: str) -> Proposal:
    return store.decline_proposal(proposal_id, reason)


def merge_proposal(store: StorePort, proposal_id: int, incident_id: int) -> Incident:
    return store.merge_proposal(proposal_id, incident_id)


# ------------------------------------------------------------------ runbooks
# The rules of runbooks and tasks live in runbooks.py (light: the store and
# the CLI's task verbs import it without this module's hooks and templates).
from warroom.core.runbooks import RunbookPlan, plan_runbooks, task_state, tasks_in_order  # noqa: E402

__all__ = ["RunbookPlan", "plan_runbooks", "task_state", "tasks_in_order"]
