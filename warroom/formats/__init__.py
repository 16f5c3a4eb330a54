"""Outputs for people outside the war room, built from what was made public
(warroom/core/public.py): the status page. No Textual, no SQL."""
