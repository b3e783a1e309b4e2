"""The confirmation link: an encrypted, authenticated, expiring token that
carries the ballot, so nothing is written to the database before the voter
confirms. It holds the nomination, voter key and e-mail domain, never the
address, and it is encrypted (Fernet: AES-128-CBC with HMAC-SHA256) so that
links in mail logs or web server logs say nothing about who voted for whom."""

import base64
import functools
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.mail import EmailMessage
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


def fernet(purpose: str = SALT) -> Fernet:
    return fernet_for(purpose, settings.SECRET_KEY)


@functools.lru_cache(maxsize=16)
def fernet_for(purpose: str, secret_key: str) -> Fernet:
    # A key per purpose, derived from Django's secret key rather than from the
    # vote hash secret, so one leaked secret does not open both. Kept per
    # process: every vote reads a link.
    key = hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, *, purpose: str) -> str:
    return fernet(purpose).encrypt(text.encode()).decode()


def unseal(sealed: str, *, purpose: str) -> str:
    return fernet(purpose).decrypt(sealed.encode()).decode()


def make_token(*, nomination: Nomination, address: str) -> str:
    return ballot_token(
        nomination=nomination,
        voter_key=identity.voter_key(address),
        email_domain=identity.email_domain(address),
    )


def ballot_token(*, nomination: Nomination, voter_key: str, email_domain: str) -> str:
    """The sealed ballot a confirmation link carries, for a voter known by
    ``voter_key``: from an e-mail address, or from an ID-porten login (whose
    ballot has no e-mail domain)."""
    payload = [nomination.pk, voter_key, email_domain]
    return fernet().encrypt(json.dumps(payload).encode()).decode().rstrip("=")


def read_token(token: str) -> Ballot:
    padded = token + "=" * (-len(token) % 4)
    box = fernet()
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        # One token, one spelling: base64 has spare bits, and a changed spare
        # bit must not give a second valid link.
        if base64.urlsafe_b64encode(raw).decode() != padded:
            raise LinkInvalid
        payload = json.loads(box.decrypt(padded))
        # Authentic now, so its timestamp (bytes 1-8 of a Fernet token) is
        # ours: read here rather than by extract_timestamp, which would check
        # the signature a second time.
        age = time.time() - int.from_bytes(raw[1:9], "big")
        nomination_id, voter_key, email_domain = payload
        if not (
            isinstance(nomination_id, int)
            and isinstance(voter_key, str)
            and isinstance(email_domain, str)
        ):
            raise LinkInvalid
    except (InvalidToken, ValueError, TypeError, UnicodeEncodeError):
        raise LinkInvalid from None
    if age > settings.VOTE_CONFIRMATION_MAX_AGE:
        # Authentic, only old: say which nominee, for the integrity counters.
        raise LinkExpired(nomination_id)
    return Ballot(nomination_id=nomination_id, voter_key=voter_key, email_domain=email_domain)


def link_expires_at(confirm_url: str) -> datetime:
    """When the confirmation link ``confirm_url`` (ending in its token) stops working."""
    token = urlsplit(confirm_url).path.rstrip("/").rsplit("/", 1)[-1]
    issued = fernet().extract_timestamp(token + "=" * (-len(token) % 4))
    return datetime.fromtimestamp(issued + settings.VOTE_CONFIRMATION_MAX_AGE, tz=UTC)


def send_confirmation_email(*, nomination: Nomination, address: str, confirm_url: str) -> None:
    """In the active language: the subject, the text and the sender's name, the
    prize's in that language at DEFAULT_FROM_EMAIL's address. Plain text,
    marked as sent by a machine (RFC 3834), so out-of-office replies stay away,
    and with a Message-ID on the site's own domain rather than the host's name
    (``localhost`` in a container), which spam filters hold against a mail."""
    context = {
        "nomination": nomination,
        "confirm_url": confirm_url,
        "valid_hours": valid_hours(),
    }
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    EmailMessage(
        subject=_("Bekreft stemmen din på %(municipality)s")
        % {"municipality": nomination.municipality.name},
        body=render_to_string("voting/email/confirm.txt", context),
        from_email=formataddr((_("Bosettings- og integreringsprisen"), from_address)),
        to=[address],
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": make_msgid(domain=urlsplit(settings.PUBLIC_BASE_URL).hostname),
        },
    ).send()
