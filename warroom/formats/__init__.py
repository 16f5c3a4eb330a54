"""Outputs for people outside the war room, built from what was made public
(warroom/public.py): the status page. No Textual, no SQL."""
