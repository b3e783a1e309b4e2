"""The voting admin: one module per page, each registering its own."""

from . import emails, jury, nominations, rounds, tallies, votes  # noqa: F401  (they register the pages)
