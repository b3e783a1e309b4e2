"""The confirmation link: a signed, expiring token that carries the ballot, so
nothing is written to the database before the voter confirms. It holds the
voter key and e-mail domain, never the address."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from nominees.models import Nomination

from . import identity

SALT = "voting.confirmation"


@dataclass(frozen=True)
class Ballot:
    nomination_id: int
    voter_key: str
    email_domain: str


class LinkExpired(Exception):
    def __init__(self, nomination_id: int | None = None):
        super().__init__(nomination_id)
        self.nomination_id = nomination_id


class LinkInvalid(Exception):
    pass


def valid_hours() -> int:
    return max(1, settings.VOTE_CONFIRMATION_MAX_AGE // 3600)


def make_token(*, nomination: Nomination, address: str) -> str:
    payload = [nomination.pk, identity.voter_key(address), identity.email_domain(address)]
    return signing.dumps(payload, salt=SALT)


def read_token(token: str) -> Ballot:
    try:
        nomination_id, voter_key, email_domain = signing.loads(
            token, salt=SALT, max_age=settings.VOTE_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired:
        # The signature is good, only old: say which nominee, for the counters.
        raise LinkExpired(signing.loads(token, salt=SALT)[0]) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    return Ballot(nomination_id=nomination_id, voter_key=voter_key, email_domain=email_domain)


def send_confirmation_email(*, nomination: Nomination, address: str, confirm_url: str) -> None:
    context = {
        "nomination": nomination,
        "confirm_url": confirm_url,
        "valid_hours": valid_hours(),
    }
    send_mail(
        subject=_("Bekreft stemmen din på %(municipality)s")
        % {"municipality": nomination.municipality.name},
        message=render_to_string("voting/email/confirm.txt", context),
        from_email=None,
        recipient_list=[address],
    )
