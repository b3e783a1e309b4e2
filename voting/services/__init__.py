"""The only code that writes votes and jury decisions, one module per concern:
votes (casting), invalidation, counts (tallies), ties (the cut's tie
resolutions), purge (vote metadata), jury (the winner), changes (what the
vote has fixed of rounds, nominations and municipalities, and the correction
path) and networks (the shared networks, whose per-IP limits are higher).
Callers use the names here, `from voting import services`; a test that
replaces a name one service calls patches it in that service's module. The
modules' own helpers stay theirs."""

from .changes import (
    NOTHING_FIXED,
    ChangeRefused,
    Freeze,
    check_change,
    check_deletion,
    delete_row,
    freeze_of,
    may_correct,
    round_freeze,
    save_change,
)
from .counts import CountRefused, count_votes
from .invalidation import InvalidationRefused, invalidate_votes
from .jury import (
    DecisionRefused,
    allowed_winners,
    check_decision,
    decision_freeze,
    decision_waits_for,
    record_winner,
)
from .networks import (
    NETWORK_CHANGE_NEEDS_REASON,
    NETWORK_DELETION_NEEDS_REASON,
    NetworkRefused,
    delete_shared_network,
    save_shared_network,
)
from .purge import PurgeRefused, purge_vote_metadata, rounds_due_for_purge
from .ties import TieRefused, check_tie_resolution, resolve_tie, settled_tally
from .votes import RECEIPT_ALPHABET, AlreadyVoted, VoteRefused, VotingNotOpen, cast_vote

__all__ = [
    "NETWORK_CHANGE_NEEDS_REASON",
    "NETWORK_DELETION_NEEDS_REASON",
    "NOTHING_FIXED",
    "RECEIPT_ALPHABET",
    "AlreadyVoted",
    "ChangeRefused",
    "CountRefused",
    "DecisionRefused",
    "Freeze",
    "InvalidationRefused",
    "NetworkRefused",
    "PurgeRefused",
    "TieRefused",
    "VoteRefused",
    "VotingNotOpen",
    "allowed_winners",
    "cast_vote",
    "check_change",
    "check_decision",
    "check_deletion",
    "check_tie_resolution",
    "count_votes",
    "decision_freeze",
    "decision_waits_for",
    "delete_row",
    "delete_shared_network",
    "freeze_of",
    "invalidate_votes",
    "may_correct",
    "purge_vote_metadata",
    "record_winner",
    "resolve_tie",
    "round_freeze",
    "rounds_due_for_purge",
    "save_change",
    "save_shared_network",
    "settled_tally",
]
