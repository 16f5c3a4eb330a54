"""Placeholder until the war room lands."""
def run_app(store, policy) -> int:
    print("warroom TUI not built yet")
    return 0
