"""Abuse resistance: the client IP behind trusted proxies, the limit on
e-mails to one address, rate limits on every public POST, fail open when the
cache is down, the honeypot and disposable e-mail domains."""

import logging
import math
import re

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import dead_redis, make_nomination, make_round, request_url, served_static
from voting import confirmation, identity
from voting.models import IntegrityCounts, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def nomination():
    return make_nomination(prize_round=make_round(), name="Asker")


# The client IP


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, None, "10.0.0.1"),
        (0, "192.0.2.1", "10.0.0.1"),
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),
        (1, " 6.6.6.6 ,192.0.2.1 ", "192.0.2.1"),
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.2", "192.0.2.1"),
        (2, "192.0.2.1", "10.0.0.1"),
        (1, None, "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "6.6.6.6, not-an-ip", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_is_the_address_the_outermost_trusted_proxy_saw(
    settings, hops, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = hops
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", **headers)

    assert identity.client_ip(request) == expected


def test_forged_x_forwarded_for_never_changes_the_limit_without_trusted_proxies(
    client, settings, mailoutbox, nomination
):
    settings.RATELIMIT_VOTE_REQUEST = "3/m"
    assert settings.TRUSTED_PROXY_COUNT == 0

    statuses = [
        client.post(
            request_url(nomination=nomination),
            {"email": f"velger{i}@example.no"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(5)
    ]

    assert statuses == [302, 302, 302, 429, 429]
    assert len(mailoutbox) == 3


def test_behind_one_trusted_proxy_the_limit_follows_the_address_the_proxy_saw(
    client, settings, mailoutbox, nomination
):
    settings.RATELIMIT_VOTE_REQUEST = "1/m"
    settings.TRUSTED_PROXY_COUNT = 1

    def post(email: str, forwarded: str) -> int:
        return client.post(
            request_url(nomination=nomination),
            {"email": email},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    first = post("a@example.no", "192.0.2.1")
    # The client forges an entry on the left; the proxy still appends what it saw.
    forged = post("b@example.no", "203.0.113.9, 192.0.2.1")
    other_client = post("c@example.no", "198.51.100.7")

    assert [first, forged, other_client] == [302, 429, 302]
    assert [mail.to for mail in mailoutbox] == [["a@example.no"], ["c@example.no"]]


def test_vote_keeps_the_network_of_the_client_behind_the_proxy_not_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    response = client.post(
        reverse("voting:confirm", args=[token]),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.55",
    )

    assert response.status_code == 200
    vote = Vote.objects.get()
    assert vote.network_hash == identity.network_hash("192.0.2.1")
    assert vote.network_hash != identity.network_hash("10.0.0.1")
    assert vote.network_hash != identity.network_hash("203.0.113.9")


# E-mails to one address


def test_an_address_gets_at_most_three_confirmation_emails_an_hour_then_a_clear_429(
    client, mailoutbox, nomination
):
    assert django_settings.RATELIMIT_EMAILS_PER_ADDRESS == "3/h"
    # Aliases of one mailbox share the count: it is kept by voter key.
    addresses = ["kari@example.no", "Kari+pris@example.no", "KARI@example.no", "kari@example.no"]

    responses = [client.post(request_url(nomination=nomination), {"email": a}) for a in addresses]

    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    refused = responses[-1]
    assert "Denne e-postadressen har allerede fått" in refused.text
    seconds = int(refused["Retry-After"])
    assert 1 <= seconds <= 3600
    # The window ends within the hour: minutes, unless it ends within a minute.
    expected = f"{math.ceil(seconds / 60)} minutt" if seconds >= 60 else f"{seconds} sekund"
    assert f"prøve igjen om {expected}" in refused.text
    assert len(mailoutbox) == 3
    assert IntegrityCounts.objects.get(round=nomination.round).rate_limited == 1
    assert Vote.objects.count() == 0


def test_the_limit_on_one_address_leaves_other_addresses_alone(client, settings, mailoutbox):
    settings.RATELIMIT_EMAILS_PER_ADDRESS = "1/h"
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    statuses = [
        client.post(request_url(nomination=nomination), {"email": email}).status_code
        for email in ["kari@example.no", "kari@example.no", "ola@example.no"]
    ]

    assert statuses == [302, 429, 302]
    assert [mail.to for mail in mailoutbox] == [["kari@example.no"], ["ola@example.no"]]


def test_the_address_limit_holds_across_client_addresses(client, settings, mailoutbox, nomination):
    settings.RATELIMIT_EMAILS_PER_ADDRESS = "2/h"

    statuses = [
        client.post(
            request_url(nomination=nomination),
            {"email": "kari@example.no"},
            REMOTE_ADDR=f"192.0.2.{i}",
        ).status_code
        for i in range(1, 4)
    ]

    assert statuses == [302, 302, 429]
    assert len(mailoutbox) == 2


# Every public POST


def public_patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            yield from public_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_public_url_either_refuses_post_or_rate_limits_it(client, settings, nomination):
    """A new public view that takes POSTs without a limit fails this test."""
    rates = [
        name
        for name in dir(django_settings)
        if name.startswith("RATELIMIT_") and "/" in str(getattr(django_settings, name))
    ]
    assert "RATELIMIT_VOTE_REQUEST" in rates
    for name in rates:
        setattr(settings, name, "0/m")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")
    values = {
        "<int:year>": str(nomination.round.year),
        "<slug:slug>": nomination.municipality.slug,
        "<str:token>": token,
        "<str:language>": "en",
        "<format:format>": "csv",
    }
    statuses = {}
    for route in public_patterns(get_resolver().url_patterns):
        path = route
        for placeholder, value in values.items():
            path = path.replace(placeholder, value)
        assert "<" not in path, f"no sample value for {route}"
        statuses[route] = client.post("/" + path, {"email": "kari@example.no"}).status_code

    assert set(statuses.values()) <= {405, 429}, statuses
    limited = {route for route, status in statuses.items() if status == 429}
    # Public pages sit under the active language's prefix (bokmål here).
    assert limited == {
        "nb/<int:year>/<slug:slug>/stem/",
        "nb/<int:year>/<slug:slug>/stem/id-porten/",
        "nb/stem/bekreft/<str:token>/",
        "nb/kvittering/",
    }
    assert Vote.objects.count() == 0


# Fail open


def test_vote_is_counted_with_the_cache_down_and_the_failure_is_logged(
    client, settings, mailoutbox, confirm_path, caplog, nomination
):
    settings.CACHES = dead_redis()
    settings.RATELIMIT_VOTE_REQUEST = "0/m"
    settings.RATELIMIT_VOTE_CONFIRM = "0/m"
    caplog.set_level(logging.WARNING, logger="voting.ratelimits")

    sent = client.post(request_url(nomination=nomination), {"email": "kari@example.no"})
    counted = client.post(confirm_path())

    assert sent.status_code == 302
    assert len(mailoutbox) == 1
    assert counted.status_code == 200
    assert "Stemmen din er registrert" in counted.text
    vote = Vote.objects.get()
    assert vote.nomination == nomination
    assert vote.voter_key == identity.voter_key("kari@example.no")
    messages = [r.getMessage() for r in caplog.records if r.name == "voting.ratelimits"]
    assert messages == [
        "Rate limit vote-request not applied, cache down: ConnectionError",
        "Rate limit vote-email not applied, cache down: ConnectionError",
        "Rate limit vote-confirm not applied, cache down: ConnectionError",
    ]
    assert all(r.levelno == logging.ERROR for r in caplog.records if r.name == "voting.ratelimits")
    assert "kari" not in caplog.text


def test_a_broken_rate_setting_is_an_error_not_taken_for_a_cache_outage(
    client, settings, mailoutbox, nomination
):
    settings.RATELIMIT_VOTE_REQUEST = "tjue i minuttet"

    with pytest.raises(ImproperlyConfigured, match="vote-request"):
        client.post(request_url(nomination=nomination), {"email": "kari@example.no"})

    assert mailoutbox == []


# Honeypot and disposable addresses


def test_vote_form_has_a_honeypot_that_people_neither_see_nor_reach(client, nomination):
    page = client.get(nomination.get_absolute_url()).text

    trap = page[page.index('<div class="trap"') : page.index("</div>", page.index('class="trap"'))]
    assert 'aria-hidden="true"' in trap
    assert "Ikke fyll ut dette feltet" in trap
    assert 'name="website"' in trap
    assert 'tabindex="-1"' in trap
    assert 'autocomplete="off"' in trap
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)">', page).group(1)
    assert ".trap { position: absolute; left: -10000px;" in served_static(url=stylesheet)


def test_filled_honeypot_is_refused_with_a_message_and_sends_nothing(
    client, mailoutbox, nomination
):
    response = client.post(
        request_url(nomination=nomination),
        {"email": "kari@example.no", "website": "https://spam.example"},
    )

    assert response.status_code == 400
    assert "et skjult felt som skal stå tomt, var fylt ut" in response.text
    assert 'role="alert"' in response.text
    assert "https://spam.example" not in response.text
    assert 'value="kari@example.no"' in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_empty_honeypot_as_browsers_send_it_is_accepted(client, mailoutbox, nomination):
    response = client.post(
        request_url(nomination=nomination), {"email": "kari@example.no", "website": ""}
    )

    assert response.status_code == 302
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "email",
    ["kari@mailinator.com", "Kari@YOPMAIL.COM", "kari@post.yopmail.com", "kari+x@10minutemail.com"],
)
def test_disposable_address_is_refused_with_a_message_tied_to_the_field(
    client, mailoutbox, nomination, email
):
    response = client.post(request_url(nomination=nomination), {"email": email})

    assert response.status_code == 400
    assert "Vi sender ikke til e-postadresser for engangsbruk" in response.text
    assert 'aria-describedby="email-hint email-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0


@pytest.mark.parametrize(
    ("domain", "disposable"),
    [
        ("mailinator.com", True),
        ("a.b.mailinator.com", True),
        ("imdi-mailinator.no", False),
        ("mailinator.com.example.no", False),
        ("example.no", False),
        ("gmail.com", False),
        ("online.no", False),
        ("com", False),
    ],
)
def test_disposable_domains_come_from_the_maintained_list_with_their_subdomains(domain, disposable):
    assert identity.is_disposable_domain(domain) is disposable
