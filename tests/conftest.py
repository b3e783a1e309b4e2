import re
import time
from collections.abc import Iterator
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from config import pagecache
from nominees.models import Verification
from tests import cluster, factories, idporten_provider
from tests import production as production_stack
from tests.factories import SIX, make_nomination, make_round, request_vote
from voting import identity, services


@pytest.fixture(autouse=True)
def clear_cache():
    # Rate-limit counters would otherwise leak from one test into the next, and
    # so would what this process remembers of the cached pages' variants.
    cache.clear()
    pagecache.VARIANT_COUNTS.clear()
    yield
    cache.clear()
    pagecache.VARIANT_COUNTS.clear()


@pytest.fixture(autouse=True)
def rate_limit_clock_stands_still(monkeypatch):
    # django-ratelimit counts in fixed windows. Requests that straddle a
    # window's end would start a fresh count, and a test expecting its 429 would
    # fail now and then. Within one test (and its live server thread) the
    # window stays put; the seconds until it ends are still real.
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def bokmal_between_requests():
    # A request leaves its language active in this thread. Start every test in
    # bokmål, so translated model fields written by factories are the bokmål ones.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def confirm_path(mailoutbox):
    """The path of the confirmation link in the newest e-mail."""

    def read() -> str:
        match = re.search(r"https?://[^/\s]+(/[a-z]{2}/stem/bekreft/[^\s]+/)", mailoutbox[-1].body)
        assert match, mailoutbox[-1].body
        return match.group(1)

    return read


@pytest.fixture
def asker():
    """A nominee, Asker, in the 2030 round, voting open."""
    return make_nomination(prize_round=make_round(year=2030), name="Asker")


@pytest.fixture
def link(asker, mailoutbox, confirm_path) -> str:
    """The path of a fresh, unused confirmation link for Asker."""
    assert (
        request_vote(client=Client(), nomination=asker, email="kari@example.no").status_code == 302
    )
    return confirm_path()


@pytest.fixture
def receipt_taken(link, asker, monkeypatch):
    """Another voter's vote for Asker, whose receipt the next vote is
    given: confirming ``link`` fails on the receipt's unique constraint, and
    PostgreSQL's error names the receipt ("Key (receipt)=(…)")."""
    other = services.cast_vote(
        nomination=asker,
        voter_key=identity.voter_key("ola@example.no"),
        email_domain="example.no",
        network_hash=identity.network_hash("192.0.2.1"),
    )
    monkeypatch.setattr(services.votes, "new_receipt", lambda: other.receipt)
    return other


@pytest.fixture
def queued(settings):
    """The production set-up: e-mails wait in the database for a worker. The
    nominee (Asker) to ask for a vote for."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return make_nomination(prize_round=make_round(), name="Asker")


@pytest.fixture
def counted_round():
    """Six nominees (SIX), their 15 votes counted just now: the round, its
    nominations by name and the tally."""
    return factories.counted_round(votes=SIX)


@pytest.fixture(scope="session")
def production() -> Iterator[production_stack.Production]:
    """gunicorn with the production settings on a private PostgreSQL, Redis and
    SMTP server (tests/production.py): one stack for the whole session."""
    if cluster.missing_binaries():
        pytest.skip(cluster.missing_binaries())
    with production_stack.production_stack() as stack:
        yield stack


@pytest.fixture(scope="session")
def idporten(tmp_path_factory) -> Iterator[idporten_provider.Provider]:
    """The local ID-porten (tests/idporten_provider.py) for the session, with
    the app's private_key_jwt and client_secret_post clients registered for
    the test client's http://testserver; ``allow(live_server.url)`` adds a
    live server, ``settings(client_auth)`` gives the app's IDPORTEN_* values."""
    with idporten_provider.start_idporten(tmp_path_factory.mktemp("idporten")) as provider:
        yield provider


@pytest.fixture(scope="session")
def rogue_idporten(tmp_path_factory) -> Iterator[idporten_provider.Provider]:
    """A second local ID-porten whose id_tokens are signed with a key other
    than the one its jwks_uri publishes (same kid)."""
    folder = tmp_path_factory.mktemp("rogue-idporten")
    with idporten_provider.start_idporten(folder, rogue=True) as provider:
        yield provider


@pytest.fixture
def idporten_site(settings, idporten) -> idporten_provider.Provider:
    """The app set up for the local ID-porten (private_key_jwt)."""
    return factories.configure_idporten(settings=settings, provider=idporten)


@pytest.fixture
def idporten_nominee(idporten_site):
    """A nominee, Asker, in the 2030 round, voting open, the voters confirming by ID-porten."""
    prize_round = make_round(year=2030, verification=Verification.IDPORTEN)
    return make_nomination(prize_round=prize_round, name="Asker")
