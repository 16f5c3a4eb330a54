"""The command line: `warroom` and its verbs (commands.py builds the parser and runs
a verb; one module per group of verbs)."""
