"""The terminal interface: the Textual app, its screens and widgets, and what it
needs from the terminal."""
