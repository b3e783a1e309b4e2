"""Attack: one mailbox, many votes, on the production
profile under gunicorn (tests/production.py). The spellings of one address
that mail delivers to one inbox (the domain in fullwidth letters, a quoted
local part, a Unicode domain and its ASCII form) each got a voter key and a
counted vote of their own, and a disposable domain in fullwidth letters got
past the list. Now they are one voter, and the mail goes to that one address.

Local parts here are this module's own, so other attack tests on the shared
stack neither see nor disturb them."""

import re

import pytest

from tests import cluster
from voting import identity

LINK = re.compile(r"https?://\S+/stem/bekreft/\S+/")
LOCAL = "one.inbox.attack"
MAILBOX = f"{LOCAL}@example.net"
# The seven addresses of the issue, with this module's local part (and .net, so
# the votes with example.no that other tests count are theirs alone).
SPELLINGS = [
    f"{LOCAL}@example.net",
    f"{LOCAL}@\uff45xample.net",
    f"{LOCAL}@e\uff58ample.net",
    f"{LOCAL}@ex\uff41mple.net",
    f"{LOCAL}@\uff45\uff58\uff41mple.net",
    f'"{LOCAL}"@example.net',
    f'"{LOCAL}"@\uff45xample.net',
]
# What an hour's wait does to the e-mail count of one address (django-ratelimit
# keeps it under a key made of the voter key and the window).
LIFT_EMAIL_LIMIT = """
from django.conf import settings
from django.core.cache import caches
from django_ratelimit.core import _get_window, _make_cache_key, _split_rate
from voting import identity
key = identity.voter_key({address!r})
rate = settings.RATELIMIT_EMAILS_PER_ADDRESS
window = _get_window(key, _split_rate(rate)[1])
cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
print(cache.delete(_make_cache_key("vote-email", window, rate, key, "POST")))
"""


def link_path(message) -> str:
    return "/" + LINK.search(message.get_content()).group(0).split("/", 3)[3]


def confirm(production, message) -> int:
    """Press the link's button as a script would, whatever its page shows: the
    ballot of an address that has voted has no form, so the CSRF cookie and
    token come from a nominee page."""
    form_path = production.nomination_paths[0]
    return production.post_form(link_path(message), {}, form_path=form_path).status


def votes_in_round(production) -> int:
    return production.sql(
        "SELECT count(*) FROM voting_vote WHERE round_id = %s", (production.round_id,)
    )[0][0]


@pytest.mark.django_db
def test_seven_spellings_of_one_mailbox_count_one_vote_under_gunicorn(production, settings):
    settings.VOTE_HASH_SECRET = cluster.VOTE_HASH_SECRET
    paths = production.nomination_paths
    before = votes_in_round(production)

    def request(position: int) -> int:
        path = paths[position % len(paths)]
        return production.post_form(
            path + "stem/", {"email": SPELLINGS[position]}, form_path=path
        ).status

    # Three e-mails an hour to one address: the fourth spelling is that address.
    assert production.env["RATELIMIT_EMAILS_PER_ADDRESS"] == "3/h"
    assert [request(position) for position in range(4)] == [302, 302, 302, 429]
    # An hour later (twice), the other spellings get their links too.
    assert production.python(LIFT_EMAIL_LIMIT.format(address=MAILBOX)) == "True"
    assert [request(position) for position in range(3, 6)] == [302, 302, 302]
    assert production.python(LIFT_EMAIL_LIMIT.format(address=MAILBOX)) == "True"
    assert request(6) == 302
    mails = production.inbox.to(MAILBOX)
    confirmed = [confirm(production, message) for message in mails]

    assert len(mails) == 7
    assert all(message["To"] == MAILBOX for message in mails)
    assert confirmed == [200] + [409] * 6
    # Opened afterwards, every spelling's link says at once that the mailbox has voted.
    for message in mails:
        assert "Du har allerede stemt" in production.request("GET", link_path(message)).body
    assert votes_in_round(production) - before == 1
    assert production.sql(
        "SELECT email_domain FROM voting_vote WHERE round_id = %s AND voter_key = %s",
        (production.round_id, identity.voter_key(MAILBOX)),
    ) == [("example.net",)]


@pytest.mark.django_db
def test_a_norwegian_domain_and_its_ascii_form_count_one_vote_under_gunicorn(production):
    path = production.nomination_paths[1]
    mailbox = "one.inbox.attack.bo@xn--b-5ga.no"
    before = votes_in_round(production)

    statuses = []
    for spelling in ("one.inbox.attack.bo@bø.no", mailbox):
        statuses.append(
            production.post_form(path + "stem/", {"email": spelling}, form_path=path).status
        )
        statuses.append(confirm(production, production.inbox.to(mailbox)[-1]))

    assert statuses == [302, 200, 302, 409]
    assert len(production.inbox.to(mailbox)) == 2
    assert votes_in_round(production) - before == 1


@pytest.mark.django_db
def test_a_disposable_domain_in_fullwidth_letters_is_refused_under_gunicorn(production):
    path = production.nomination_paths[2]
    address = "one.inbox.attack@\uff4dailinator.com"

    refused = production.post_form(path + "stem/", {"email": address}, form_path=path)

    assert refused.status == 400
    assert "Vi sender ikke til e-postadresser for engangsbruk" in refused.body
    assert production.inbox.to("one.inbox.attack@mailinator.com") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "one.inbox.attack.local." + "x" * 50 + "@example.net",
            "Delen før @ er for lang. En e-postadresse kan ha høyst 64 tegn før @.",
        ),
        (
            "one.inbox.attack.domain@" + "ø" * 63 + ".no",
            "Vi kan ikke sende e-post til domenet etter @. Sjekk at det er skrevet riktig.",
        ),
    ],
)
def test_an_address_mail_cannot_carry_as_typed_is_refused_under_gunicorn(
    production, address, message
):
    path = production.nomination_paths[3]
    local = address.rpartition("@")[0]

    refused = production.post_form(path + "stem/", {"email": address}, form_path=path)

    assert refused.status == 400
    assert message in refused.body
    assert not [
        m for m in production.inbox.messages if m["X-Envelope-To"].rpartition("@")[0] == local
    ]
