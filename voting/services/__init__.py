"""The only code that writes votes and jury decisions, one module per concern:
votes (casting), invalidation, counts (tallies), ties (the cut's tie
resolutions), purge (vote metadata) and jury (the winner). Callers use the
names here, `from voting import services`; a test that replaces a name one
service calls patches it in that service's module. The modules' own helpers
stay theirs."""

from .counts import CountRefused, count_votes
from .invalidation import InvalidationRefused, invalidate_votes
from .jury import (
    DecisionRefused,
    allowed_winners,
    check_decision,
    decision_waits_for,
    record_winner,
)
from .purge import PurgeRefused, purge_vote_metadata, rounds_due_for_purge
from .ties import TieRefused, check_tie_resolution, resolve_tie, settled_tally
from .votes import RECEIPT_ALPHABET, AlreadyVoted, VoteRefused, VotingNotOpen, cast_vote

__all__ = [
    "RECEIPT_ALPHABET",
    "AlreadyVoted",
    "CountRefused",
    "DecisionRefused",
    "InvalidationRefused",
    "PurgeRefused",
    "TieRefused",
    "VoteRefused",
    "VotingNotOpen",
    "allowed_winners",
    "cast_vote",
    "check_decision",
    "check_tie_resolution",
    "count_votes",
    "decision_waits_for",
    "invalidate_votes",
    "purge_vote_metadata",
    "record_winner",
    "resolve_tie",
    "rounds_due_for_purge",
    "settled_tally",
]
