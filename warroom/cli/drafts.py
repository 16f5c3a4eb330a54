"""`warroom draft|publish|statuspage`: the stakeholder update, from draft to
the public status page."""

from __future__ import annotations

from pathlib import Path

from warroom.cli.context import Context, read_text
from warroom.cli.output import done, print_json, problem
from warroom.core.errors import UsageError
from warroom.core.model import to_iso
from warroom.core.text import one_line, say
from warroom.core.timefmt import fmt_time


def cmd_draft(ctx: Context) -> int:
    store = ctx.store
    if ctx.args.history:
        versions = store.draft_history(ctx.args.id)
        if ctx.args.json:
            print_json([_version_dict(v) for v in versions])
            return 0
        for v in versions:
            note = f"  ({one_line(v.note)})" if v.note else ""
            say(f"--- v{v.version}  {fmt_time(v.saved_at)}  {one_line(v.saved_by)}{note}")
            say(v.text)
        return 0
    from warroom.services.usecases import current_draft

    draft = current_draft(store, ctx.policy, ctx.args.id, ctx.clock())
    if ctx.args.json:
        saved_at = to_iso(draft.updated_at) if draft.updated_at else None
        print_json({"version": draft.version, "text": draft.text,
                    "saved_by": draft.updated_by, "saved_at": saved_at})  # fmt: skip
        return 0
    say(draft.text)
    return 0


def _version_dict(version) -> dict:
    return {
        "version": version.version,
        "text": version.text,
        "saved_by": version.saved_by,
        "saved_at": to_iso(version.saved_at) if version.saved_at else None,
        "note": version.note,
    }


def cmd_publish(ctx: Context) -> int:
    from warroom.services.usecases import (
        current_draft,
        draft_problems,
        public_choices,
        publish,
        publish_draft,
    )

    if ctx.args.text is None:
        text = current_draft(ctx.store, ctx.policy, ctx.args.id, ctx.clock()).text
        if not text.strip():
            raise UsageError(f"incident {ctx.args.id} has no draft update to publish")
        # The draft was written earlier, perhaps at another priority: said first.
        problems = draft_problems(ctx.store, ctx.policy, ctx.args.id, text)
        if problems and not ctx.args.anyway:
            raise UsageError(f"not published: {'; '.join(problems)} (--anyway sends it as it is)")
    else:
        text = read_text(ctx.args.text)
    from warroom.services.config import load_config

    config = load_config()  # a broken config is refused before anything is published
    status, components = public_choices(ctx.args.status, ctx.args.component)
    if ctx.args.text is None:
        published = publish_draft(
            ctx.store, ctx.policy, config, ctx.args.id, ctx.at(), ctx.clock(), status, components
        )
    else:
        published = publish(
            ctx.store, ctx.policy, config, ctx.args.id, text, ctx.at(), status, components
        )
    say(published.entry.id)
    draft = published.draft
    if draft is not None:  # which draft went out: the screen may show a later one
        if draft.version:
            by = f" (saved by {one_line(draft.updated_by)})" if draft.updated_by else ""
            said = f"published draft v{draft.version} of incident {ctx.args.id}{by}"
        else:
            said = f"published the draft of incident {ctx.args.id} as the template makes it"
            said += " (never saved)"
        done(ctx, said, err=True)
    hook = published.hook
    if hook is not None and (hook.event == "hook.skipped" or not hook.result.ok):
        # The update itself is published; say loudly that it went no further.
        problem(hook.summary)
    problem(published.page_problem)
    return 0


def cmd_statuspage(ctx: Context) -> int:
    args = ctx.args
    folder = args.dir or ctx.policy.status_page.dir
    if not folder:
        raise UsageError("give the folder (or set dir in the policy's [status_page])")
    folder_path = Path(folder).expanduser()
    if args.statuspage_command == "build":
        from warroom.formats.statuspage import build

        say(build(ctx.store, ctx.policy, folder_path))
        return 0
    from warroom.formats.serve import serve

    return serve(folder_path, args.listen)
