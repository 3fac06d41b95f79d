"""Self-hosted aggregators as ticker's back end (Tiny Tiny RSS first)."""
