"""The public receipt check: "did my vote count?" answered with counted,
invalidated, counted but invalidated since, not counted yet or unknown, and
never for whom. The answer is about the published tally: a vote invalidated
after that count is in its totals and its digest until a recount is published."""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django import forms
from django.utils.translation import gettext_lazy as _

from nominees.models import PrizeRound

from . import results
from .models import Tally, Vote
from .services import RECEIPT_ALPHABET

# Crockford's base32 reads the look-alike letters as digits, so a code copied by
# hand or read aloud still matches.
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")
RECEIPT_LENGTH = 10


def normalise(typed: str) -> str | None:
    """The code as stored (five characters, a hyphen, five more, e.g. "K3V9T-J103T"), or
    None if ``typed`` cannot be a receipt."""
    code = SEPARATORS.sub("", typed).upper().translate(LOOK_ALIKES)
    if len(code) != RECEIPT_LENGTH or any(char not in RECEIPT_ALPHABET for char in code):
        return None
    return f"{code[:5]}-{code[5:]}"


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Kvitteringskode"),
        max_length=40,
        error_messages={
            "required": _("Skriv inn kvitteringskoden din."),
            "max_length": _("Kvitteringskoden er for lang. Den har ti tegn."),
        },
    )

    def clean_receipt(self) -> str:
        code = normalise(self.cleaned_data["receipt"])
        if code is None:
            raise forms.ValidationError(
                _(
                    "En kvitteringskode har ti tegn, bokstaver og tall, for eksempel "
                    "7KQ2M-9XHTD. Sjekk at du har skrevet av hele koden."
                ),
                code="shape",
            )
        return code


class Status(StrEnum):
    UNKNOWN = "unknown"
    NOT_COUNTED_YET = "not_counted_yet"
    COUNTED = "counted"
    INVALIDATED = "invalidated"
    # In the published tally and its digest, invalidated after that count.
    COUNTED_THEN_INVALIDATED = "counted_then_invalidated"


@dataclass(frozen=True)
class ReceiptCheck:
    """What the check may say. Holds no nomination, so no page built from it can
    tell whom the vote was for."""

    status: Status
    receipt: str
    round: PrizeRound | None = None
    tally: Tally | None = None
    reason: str = ""
    invalidated_at: datetime | None = None


def check_receipt(receipt: str, *, at: datetime | None = None) -> ReceiptCheck:
    vote = (
        Vote.objects.filter(receipt=receipt)
        .values("round_id", "status", "invalidated_reason", "invalidated_at")
        .first()
    )
    if vote is None:
        return ReceiptCheck(status=Status.UNKNOWN, receipt=receipt)
    prize_round = PrizeRound.objects.get(pk=vote["round_id"])
    # The answer waits for the published result, invalidations included: until
    # then the count, like the result, is not public.
    tally = results.for_round(prize_round, at=at).tally
    if tally is None:
        return ReceiptCheck(status=Status.NOT_COUNTED_YET, receipt=receipt, round=prize_round)
    if vote["status"] == Vote.Status.INVALIDATED:
        # Counting and invalidating take turns on the round (voting.services.counts),
        # so a vote invalidated after counted_at was valid in that count.
        after_the_count = vote["invalidated_at"] > tally.counted_at
        return ReceiptCheck(
            status=Status.COUNTED_THEN_INVALIDATED if after_the_count else Status.INVALIDATED,
            receipt=receipt,
            round=prize_round,
            tally=tally,
            reason=vote["invalidated_reason"],
            invalidated_at=vote["invalidated_at"],
        )
    return ReceiptCheck(status=Status.COUNTED, receipt=receipt, round=prize_round, tally=tally)
