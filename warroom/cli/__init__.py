"""The command line: `warroom` and its verbs. commands.py is the entry point
(main, the verb table, opening the war room; entry.py is what the `warroom`
command runs first); parser.py builds the argparse
parser, context.py what a verb runs with and how its errors are shown,
output.py how results are printed; then one module per group of verbs."""
