"""Keyword-only factories: each test states the data it depends on."""

import logging
import mailbox
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.staticfiles.views import serve
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.templatetags.static import static
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from nominees.models import KeyFigure, Municipality, Nomination, Phase, PrizeRound, Verification
from tests.cluster import HOST, free_port
from tests.idporten_provider import CALLBACK_PATH, LOGGED_OUT_PATH, SUBSTANTIAL, Provider
from voting import ballot_box, services
from voting.models import JuryDecision, Tally, Vote

# How far each schedule moment lies from "now" for a round in a given phase.
DAY = timedelta(days=1)
OFFSETS = {
    Phase.DRAFT: (1, 2, 3, 4, 5),
    Phase.NOMINEES_PUBLISHED: (-1, 1, 2, 3, 4),
    Phase.VOTING_OPEN: (-2, -1, 1, 2, 3),
    Phase.VOTING_CLOSED: (-3, -2, -1, 1, 2),
    Phase.FINALISTS_ANNOUNCED: (-4, -3, -2, -1, 1),
    Phase.WINNER_ANNOUNCED: (-5, -4, -3, -2, -1),
}

# The address a test asks for a vote with when the address itself is not what it is about.
ADDRESS = "kari.nordmann@example.no"

# The password of the staff users made here, for the tests that log in with it.
PASSWORD = "a-long-password-for-tests"

# Seven spellings of one mailbox: Django's mail encodes the domain (IDNA, with
# NFKC) and drops the quotes, so each of them reaches multi.person@example.no.
ONE_MAILBOX = [
    "multi.person@example.no",
    "multi.person@\uff45xample.no",
    "multi.person@e\uff58ample.no",
    "multi.person@ex\uff41mple.no",
    "multi.person@\uff45\uff58\uff41mple.no",
    '"multi.person"@example.no',
    '"multi.person"@\uff45xample.no',
]

# Six nominees and their votes: 15 in all, Asker, Randaberg and Gjøvik the finalists.
SIX = {"Asker": 5, "Gjøvik": 3, "Randaberg": 4, "Sunndal": 1, "Tromsø": 0, "Voss": 2}
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)

_counter = iter(range(1000, 10000))


def make_municipality(*, name: str = "", county: str = "Akershus") -> Municipality:
    n = next(_counter)
    name = name or f"Kommune {n}"
    return Municipality.objects.create(
        name=name, number=f"{n:04d}", county=county, slug=f"{slugify(name)}-{n}"
    )


@contextmanager
def frozen_at(*, moment: datetime) -> Iterator[None]:
    """The app's clock (django.utils.timezone.now) standing at ``moment``."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def make_round(
    *,
    year: int = 2030,
    phase: Phase = Phase.VOTING_OPEN,
    now: datetime | None = None,
    verification: Verification = Verification.EMAIL,
) -> PrizeRound:
    now = now or timezone.now()
    published, opens, closes, finalists, winner = (now + days * DAY for days in OFFSETS[phase])
    return PrizeRound.objects.create(
        year=year,
        verification=verification,
        title=f"Bosettings- og integreringsprisen {year}",
        nominees_published_at=published,
        voting_opens_at=opens,
        voting_closes_at=closes,
        finalists_announced_at=finalists,
        winner_announced_at=winner,
    )


def make_nomination(
    *,
    prize_round: PrizeRound,
    municipality: Municipality | None = None,
    name: str = "",
    summary: str = "Et kort sammendrag.",
    justification: str = "En begrunnelse.",
    key_figures: tuple[tuple[str, str], ...] = (),
) -> Nomination:
    nomination = Nomination.objects.create(
        round=prize_round,
        municipality=municipality or make_municipality(name=name),
        summary=summary,
        justification=justification,
    )
    for position, (label, value) in enumerate(key_figures):
        KeyFigure.objects.create(nomination=nomination, position=position, label=label, value=value)
    return nomination


def make_vote(
    *,
    nomination: Nomination,
    voter_key: str,
    at: datetime | None = None,
    email_domain: str = "example.no",
    network_hash: str = "n",
) -> Vote:
    """A valid vote for ``nomination``, cast through the vote's service."""
    return services.cast_vote(
        nomination=nomination,
        voter_key=voter_key,
        email_domain=email_domain,
        network_hash=network_hash,
        at=at,
    )


def cast_votes(
    *, nominations: dict[str, Nomination], votes: dict[str, int]
) -> dict[str, list[Vote]]:
    """``votes[name]`` valid votes for ``nominations[name]``, through the
    vote's service, from voters 1, 2, ... of the round; the votes by name."""
    cast: dict[str, list[Vote]] = {name: [] for name in votes}
    voter = 0
    for name, count in votes.items():
        for _ in range(count):
            voter += 1
            cast[name].append(make_vote(nomination=nominations[name], voter_key=f"{voter:064d}"))
    return cast


def round_with_votes(
    *, votes: dict[str, int], year: int = 2030, publish_vote_counts: bool = False
) -> tuple[PrizeRound, dict[str, Nomination], dict[str, list[Vote]]]:
    """A round with voting open now, one nominee for each name in ``votes``
    with that many votes, and finalists and winner announced one and two days
    after voting closes; the round, its nominations and their votes by name."""
    prize_round = make_round(year=year, phase=Phase.VOTING_OPEN)
    prize_round.publish_vote_counts = publish_vote_counts
    prize_round.save()
    nominations = {name: make_nomination(prize_round=prize_round, name=name) for name in votes}
    return prize_round, nominations, cast_votes(nominations=nominations, votes=votes)


def closed_round_with_votes(
    *, votes: dict[str, int], year: int = 2030
) -> tuple[PrizeRound, dict[str, Nomination]]:
    """As round_with_votes, with voting closed just now."""
    prize_round, nominations, _ = round_with_votes(votes=votes, year=year)
    prize_round.voting_closes_at = timezone.now()
    prize_round.save()
    return prize_round, nominations


def counted_round(
    *, votes: dict[str, int] = SIX
) -> tuple[PrizeRound, dict[str, Nomination], Tally]:
    """As closed_round_with_votes, with the votes counted just now; the tally too."""
    prize_round, nominations = closed_round_with_votes(votes=votes)
    return prize_round, nominations, services.count_votes(prize_round=prize_round)


def count_after_closing(*, prize_round: PrizeRound) -> Tally:
    """The count a minute after voting closes, of a round whose voting may still be open now."""
    return services.count_votes(prize_round=prize_round, at=prize_round.voting_closes_at + MINUTE)


def decide(*, prize_round: PrizeRound, winner: Nomination, justification: str) -> JuryDecision:
    """The jury's decision, recorded a minute after the finalists are announced."""
    return services.record_winner(
        prize_round=prize_round,
        winner=winner,
        justification=justification,
        at=prize_round.finalists_announced_at + MINUTE,
    )


def announce_the_winner(*, prize_round: PrizeRound) -> PrizeRound:
    """Close an open round and announce its winner, an hour ago."""
    now = timezone.now()
    prize_round.voting_closes_at = now - timedelta(hours=3)
    prize_round.finalists_announced_at = now - timedelta(hours=2)
    prize_round.winner_announced_at = now - timedelta(hours=1)
    prize_round.save()
    return prize_round


_votes = iter(range(1, 10**6))


def make_votes(*, nomination: Nomination, count: int, cast_at: datetime | None = None) -> None:
    """``count`` valid votes for ``nomination``, generated inside the database
    (SQLite and PostgreSQL) in one statement, for tests of large selections:
    100,000 take a fraction of a second where bulk_create takes many.
    Everyday tests cast votes through voting.services."""
    batch = next(_votes)  # each call's voter keys and receipts are its own
    receipt = f"{batch:04d}"
    text = "%s || %s || CAST(i AS TEXT)"  # the receipt's prefix, then the receipt
    # The receipt's hash as voting.ballot_box.receipt_hash makes it: SQLite has
    # Django's SHA256 (a Python function), PostgreSQL its own sha256.
    hashed = (
        f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')"
        if connection.vendor == "postgresql"
        else f"SHA256({text})"
    )
    columns = "round_id, nomination_id, voter_key, receipt, receipt_hash, cast_at, email_domain"
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
            f"INSERT INTO {Vote._meta.db_table} ({columns}, network_hash, status,"
            " invalidated_reason) "
            f"SELECT %s, %s, %s || CAST(i AS TEXT), %s || CAST(i AS TEXT), {hashed}, %s,"
            " 'example.no', 'n', 'valid', '' FROM n",
            [
                count,
                nomination.round_id,
                nomination.pk,
                f"{batch:06d}-",
                receipt,
                ballot_box.receipt_prefix(nomination.round.year),
                receipt,
                Vote._meta.get_field("cast_at").get_db_prep_value(
                    cast_at or timezone.now(), connection
                ),
            ],
        )


def request_url(*, nomination: Nomination, language: str = "nb") -> str:
    """Where the nominee page's form posts a request for a confirmation e-mail."""
    with translation.override(language):
        return reverse("voting:request", args=[nomination.round.year, nomination.municipality.slug])


def request_vote(*, client: Client, nomination: Nomination, email: str = ADDRESS):
    """Ask for a vote for ``nomination`` as the public form does; the response."""
    return client.post(request_url(nomination=nomination), {"email": email})


def configure_idporten(
    *, settings, provider: Provider, client_auth: str = "private_key_jwt"
) -> Provider:
    """The app's IDPORTEN_* settings for ``provider``'s client with
    ``client_auth``, its callback and logged-out pages on the test client's
    http://testserver."""
    for name, value in provider.settings(client_auth).items():
        setattr(settings, name, value)
    settings.IDPORTEN_REDIRECT_URL = "http://testserver" + CALLBACK_PATH
    settings.IDPORTEN_POST_LOGOUT_REDIRECT_URL = "http://testserver" + LOGGED_OUT_PATH
    return provider


def idporten_start_url(*, nomination: Nomination, language: str = "nb") -> str:
    """Where the nominee page's ID-porten button posts."""
    with translation.override(language):
        return reverse(
            "voting:idporten_start", args=[nomination.round.year, nomination.municipality.slug]
        )


def start_idporten_login(*, client: Client, nomination: Nomination, language: str = "nb") -> str:
    """Press the nominee page's ID-porten button: the authorization URL the app sends to."""
    started = client.post(idporten_start_url(nomination=nomination, language=language))
    assert started.status_code == 302, started.text
    return started["Location"]


def local_path(url: str) -> str:
    """The path and query of a URL back to the app, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def finish_idporten_login(*, client: Client, provider: Provider, callback_url: str) -> str:
    """The provider's answer given to the app's callback, the logout at the
    provider followed, and the app's logged-out page: the ballot page's path."""
    answered = client.get(local_path(callback_url))
    assert answered.status_code == 302, answered.text
    logged_out_url = provider.logout(answered["Location"])
    ballot = client.get(local_path(logged_out_url))
    assert ballot.status_code == 302, ballot.text
    return ballot["Location"]


def log_in_with_idporten(
    *,
    client: Client,
    nomination: Nomination,
    provider: Provider,
    pid: str,
    acr: str = SUBSTANTIAL,
    language: str = "nb",
) -> str:
    """A voter's whole login for ``nomination``, from the nominee page's
    button to the ballot: the path of the ballot page it opens."""
    authorize_url = start_idporten_login(client=client, nomination=nomination, language=language)
    callback_url = provider.login(authorize_url, pid=pid, acr=acr)
    return finish_idporten_login(client=client, provider=provider, callback_url=callback_url)


def make_staff(
    *,
    username: str = "staff",
    group: str = "",
    permissions: Iterable[str] = (),
    superuser: bool = False,
):
    """A staff user in ``group`` (one of those the migrations create,
    "IMDi-ansatte" or "Jury") with ``permissions`` (codenames) of its own, or
    a superuser."""
    users = get_user_model().objects
    if superuser:
        return users.create_superuser(username, password=PASSWORD)
    user = users.create_user(username, password=PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    if permissions:
        user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def run_worker() -> None:
    """One pass of the real worker over the ready tasks. Between tasks it closes
    stale connections, which would end the test's transaction: not here."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def rows_containing(*, text: str) -> list[tuple[str, str]]:
    """Every (table, column) of the whole database where some value contains text."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                table_q = connection.ops.quote_name(table)
                column_q = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table_q} "  # names come from introspection
                    f"WHERE LOWER(CAST({column_q} AS TEXT)) LIKE %s",
                    [f"%{text.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column.name))
    return found


def dead_redis() -> dict:
    """CACHES pointing at a Redis that is not there."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{HOST}:{free_port()}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


def token_of(*, path: str) -> str:
    """The token of a confirmation link's path."""
    return path.rstrip("/").rsplit("/", 1)[1]


def spam_scores(*, messages: list[bytes], folder: Path) -> list[tuple[float, str]]:
    """SpamAssassin's score of each message, and the rules that hit: local
    rules only (no network tests), no user preferences, and no Bayes learning
    that would make one run depend on another. One run for all the messages
    (an mbox), as loading the rules is most of its time."""
    inbox = mailbox.mbox(folder / "in.mbox")
    for raw in messages:
        inbox.add(raw)
    inbox.flush()
    result = subprocess.run(
        [
            "spamassassin",
            "--mbox",
            "--local",
            "--prefspath=/dev/null",
            "--nocreate-prefs",
            "--cf=use_bayes 0",
            "--cf=bayes_auto_learn 0",
        ],
        stdin=(folder / "in.mbox").open("rb"),
        capture_output=True,
        timeout=120,
        check=True,
    )
    (folder / "out.mbox").write_bytes(result.stdout)
    scores = []
    for checked in mailbox.mbox(folder / "out.mbox"):
        status = " ".join(checked["X-Spam-Status"].split())
        scores.append((float(re.search(r"score=(-?[\d.]+)", status).group(1)), status))
    assert len(scores) == len(messages), result.stdout[:2000]
    return scores


def served_static(*, url: str) -> str:
    """The static file at ``url``, the address a page gives for it, as the
    local run serves it (django.contrib.staticfiles, from the files the
    production build collects)."""
    response = serve(RequestFactory().get(url), url.removeprefix(static("")), insecure=True)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content).decode()


def logging_handlers() -> list[logging.Handler]:
    """The handlers settings.LOGGING configures: the root's console and runserver's."""
    handlers = [
        handler
        for name in ("", "django.server")
        for handler in logging.getLogger(name).handlers
        if handler.get_name() in ("console", "django.server")
    ]
    assert len(handlers) == 2
    return handlers


def migrate_across(app: str, *, name_ending: str, before: Callable[[], object]) -> None:
    """Migrate ``app`` back to just before its migration whose name ends in
    ``name_ending`` (found by name, whatever its number), run ``before`` on
    that schema with the migration's own models, then migrate forward to the
    end: ``before`` gets the historical apps."""
    executor = MigrationExecutor(connection)
    [adding] = [
        key
        for key in executor.loader.disk_migrations
        if key[0] == app and key[1].endswith(name_ending)
    ]
    [previous] = [
        node.key for node in executor.loader.graph.node_map[adding].parents if node.key[0] == app
    ]
    executor.migrate([previous])
    before(executor.loader.project_state([previous]).apps)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
