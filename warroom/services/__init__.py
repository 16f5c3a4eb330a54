"""What warroom does on the machine around the domain: where files live, per-user
settings, the publish hook, changes kept when the database could not take them, and
what the CLI and the TUI do the same way (usecases)."""
