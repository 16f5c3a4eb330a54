"""Run by test_ui_hangup: a headless war room that queues a note behind a lock
the test holds, says "queued" on stdout, then waits for the test's signal."""

import sys
from pathlib import Path

from warroom.core.policy import default_policy
from warroom.services.writes import AddEntry
from warroom.store import Store
from warroom.tui.app import make_app


def main(db: str, incident: str) -> None:
    store = Store.open(Path(db), default_policy(), "alice")
    app = make_app(store, default_policy(), start_incident=int(incident))

    def ready() -> None:
        # As the note input's enter does: the write waits in the queue while locked.
        app.write(AddEntry(int(incident), "typed then hangup", "note"))
        app.set_interval(0.05, report)

    said = []

    def report() -> None:
        if app.pending and not said:
            said.append(1)
            print("queued", flush=True)

    app.call_later(ready)
    app.run(headless=True)
    store.close()
    sys.exit(app.return_code or 0)


if __name__ == "__main__":
    main(*sys.argv[1:])
