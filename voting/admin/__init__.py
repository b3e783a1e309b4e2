"""The voting admin: one module per page, each registering its own."""

from . import (  # noqa: F401  (they register the pages)
    emails,
    jury,
    networks,
    nominations,
    rounds,
    tallies,
    votes,
)
