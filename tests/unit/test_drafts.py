# ruff: noqa: F811  (the CLI tests' fixtures, imported, are parameters here)
"""The draft an incident has, one rule for the CLI, the TUI and exports: the
template when nobody saved one; its generated parts (priority, status, next
update time) follow the incident until the communicator rewrites them, and a
rewritten one that no longer matches is said before publishing; a published
draft is not shown as unpublished."""

from __future__ import annotations

import json

import pytest
from test_cli import assert_one_line_error, cli_engine, incident, now, reader, run  # noqa: F401

from warroom.core.policy import default_policy
from warroom.core.templates import draft_text, draft_warnings, follow, render_template
from warroom.formats.export import render_markdown

pytestmark = pytest.mark.both_engines


def test_a_cli_declared_incident_has_the_template_as_its_draft(run, reader, incident):
    shown = run("draft", str(incident))
    assert shown.code == 0
    assert shown.out.startswith(f"[P1] Incident #{incident}: (no public title)\n")
    assert "Status: incident declared" in shown.out
    assert json.loads(run("draft", str(incident), "--json").out)["version"] == 0
    published = run("publish", str(incident))
    assert published.code == 0, published.err
    assert reader().entry(int(published.out)).text.startswith(f"[P1] Incident #{incident}:")


def test_after_a_priority_change_the_draft_says_the_new_priority(run, reader, incident):
    assert run("priority", str(incident), "P3").code == 0
    store = reader()
    text = render_template("update", default_policy(), store.get_incident(incident), now())
    store.save_draft(incident, text + "We rolled back.\n", 0)
    before = run("draft", str(incident)).out
    assert before.startswith("[P3]")
    p3_next = next(line for line in before.splitlines() if line.startswith("Next update by"))
    assert run("priority", str(incident), "P1").code == 0
    after = run("draft", str(incident)).out
    assert after.startswith("[P1]") and "We rolled back." in after
    p1_next = next(line for line in after.splitlines() if line.startswith("Next update by"))
    assert p1_next < p3_next  # the P1 cadence promises the next update sooner
    published = run("publish", str(incident))
    assert published.code == 0, published.err
    assert reader().entry(int(published.out)).text.startswith("[P1]")


def test_a_rewritten_heading_that_says_another_priority_is_refused(run, reader, incident):
    reader().save_draft(incident, "[P3] Checkout: slower for some\nAll fine.", 0)
    refused = run("publish", str(incident))
    assert_one_line_error(refused, "the draft says P3; the incident is P1", "--anyway")
    assert [e for e in reader().timeline(incident) if e.kind == "update"] == []
    sent = run("publish", str(incident), "--anyway")
    assert sent.code == 0, sent.err
    assert reader().entry(int(sent.out)).text.startswith("[P3] Checkout")


def test_a_published_draft_is_not_unpublished_in_the_markdown(run, reader, incident):
    store = reader()
    store.save_draft(incident, "Fix deployed, monitoring.", 0)
    assert run("publish", str(incident)).code == 0
    store = reader()
    markdown = render_markdown(store.bundle(incident), default_policy(), False, now())
    assert "Fix deployed, monitoring." in markdown
    draft_section = markdown.split("## Unpublished draft")[1:] or [""]
    assert "Fix deployed, monitoring." not in draft_section[0].split("\n## ")[0]
    # The next draft starts from the update template, as in the TUI.
    assert store.draft(incident).text.startswith(f"[P1] Incident #{incident}:")


def test_an_old_published_draft_is_not_unpublished_either(run, reader, incident):
    """A draft published before the next one was started (as this version
    left it): among the updates, and not under 'Unpublished draft'."""
    store = reader()
    store.save_draft(incident, "Fix deployed, monitoring.", 0)
    store.publish_update(incident, "Fix deployed, monitoring.")
    markdown = render_markdown(store.bundle(incident), default_policy(), False, now())
    assert "## Unpublished draft" not in markdown


# ------------------------------------------------------------------ the rule
def test_follow_changes_only_the_generated_parts(run, reader, incident):
    store = reader()
    policy = default_policy()
    stale = render_template("update", policy, store.get_incident(incident), now())
    store.set_priority(incident, "P2")
    store.set_stage(incident, "Recover")
    now_incident = store.get_incident(incident)
    fresh = render_template("update", policy, now_incident, now())
    assert stale != fresh
    assert follow(stale, policy, now_incident, now()) == fresh
    edited = stale.replace("Next update by: ", "Next update by: about ") + "x\r\n\u2028y"
    followed = follow(edited, policy, now_incident, now())
    assert followed.startswith("[P2]") and "Status: recovering" in followed
    assert "Next update by: about " in followed and followed.endswith("x\r\n\u2028y")
    assert draft_text(policy, now_incident, followed, now()) == followed
    assert draft_warnings(followed, policy, now_incident) == []
    assert draft_warnings("P1 incident: x", policy, now_incident) == [
        "the draft says P1; the incident is P2"
    ]


def test_status_json_has_the_same_draft_as_the_draft_verb(run, incident):
    status = json.loads(run("status", str(incident), "--json").out)
    assert status["draft"]["text"] == run("draft", str(incident)).out.removesuffix("\n")
    assert status["draft"]["text"].startswith(f"[P1] Incident #{incident}:")


def test_a_draft_someone_emptied_stays_empty(run, reader, incident):
    reader().save_draft(incident, "", 0)
    assert run("draft", str(incident)).out == "\n"
    assert_one_line_error(run("publish", str(incident)), "no draft")


def test_the_update_template_says_the_stage_in_public_words(run, reader, incident):
    """'Status: Respond' is an internal stage name; stakeholders read what it means,
    and a draft that still says the old name follows the incident in the new words."""
    store = reader()
    policy = default_policy()
    store.set_stage(incident, "Respond")
    stored = store.get_incident(incident)
    assert stored.stage == "Respond"
    text = render_template("update", policy, stored, now())
    assert "Status: working on a fix\n" in text and "Respond" not in text
    assert "Status: working on a fix\n" in follow("Status: Respond\n", policy, stored, now())
