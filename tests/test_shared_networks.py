"""Shared networks: address ranges staff allow-list in the admin (a town hall,
a school), with a reason and an end. While one is active, a client IP in it
gets higher per-IP limits, never a higher limit per e-mail address; every
change is audited; and the fraud review marks the votes cast from it."""

import logging
from datetime import datetime, timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nominees.models import Phase
from tests.factories import dead_redis, make_nomination, make_round, make_staff
from voting import confirmation, identity, services, shared_networks
from voting.models import SharedNetwork, Vote

pytestmark = pytest.mark.django_db

TOWN_HALL = "192.0.2.0/24"
IN_RANGE = "192.0.2.40"
OUTSIDE = "198.51.100.7"


def when(moment: datetime) -> dict[str, str]:
    """A moment as the admin's split date and time inputs send it."""
    local = timezone.localtime(moment)
    return {"0": local.strftime("%d.%m.%Y"), "1": local.strftime("%H:%M:%S")}


def network_form(**fields) -> dict[str, str]:
    """POST data of the admin's shared-network form, as a browser sends it."""
    now = timezone.now()
    starts, ends = fields.pop("starts_at", now), fields.pop("ends_at", now + timedelta(days=30))
    return {
        "network": TOWN_HALL,
        "name": "Sandnes rådhus",
        "reason": "Rådhusets ansatte og besøkende står bak én adresse; bekreftet av IT.",
        **{f"starts_at_{part}": value for part, value in when(starts).items()},
        **{f"ends_at_{part}": value for part, value in when(ends).items()},
        **fields,
    }


def add_network(*, network: str = TOWN_HALL, name: str = "Sandnes rådhus", days: int = 30):
    now = timezone.now()
    return services.save_shared_network(
        network=SharedNetwork(
            network=network,
            name=name,
            reason="Mange deler én adresse.",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=days),
        )
    )


@pytest.fixture
def staff(client):
    user = make_staff(username="staff", group="IMDi-ansatte")
    client.force_login(user)
    return user


@pytest.fixture
def nomination():
    return make_nomination(prize_round=make_round(), name="Asker")


def request_url(nomination) -> str:
    return reverse("voting:request", args=[nomination.round.year, nomination.municipality.slug])


def requests_from(ip: str, nomination, count: int, *, start: int = 0) -> list[int]:
    """Statuses of ``count`` e-mail requests from ``ip``, each for another address."""
    client = Client(REMOTE_ADDR=ip)
    return [
        client.post(request_url(nomination), {"email": f"velger{ip}-{i}@example.no"}).status_code
        for i in range(start, start + count)
    ]


# Adding, changing and deleting in the admin


def test_staff_add_a_shared_network_with_who_when_what_and_why_in_the_log(client, staff):
    response = client.post(reverse("admin:voting_sharednetwork_add"), network_form())

    assert response.status_code == 302
    network = SharedNetwork.objects.get()
    assert (network.network, network.name, network.created_by) == (
        TOWN_HALL,
        "Sandnes rådhus",
        staff,
    )
    entry = LogEntry.objects.get(object_id=str(network.pk))
    assert (entry.user, entry.action_flag) == (staff, ADDITION)
    assert entry.change_message.startswith(
        "Delt nettverk lagt til: Sandnes rådhus (192.0.2.0/24), gjelder "
    )
    assert entry.change_message.endswith(
        "Grunn: Rådhusets ansatte og besøkende står bak én adresse; bekreftet av IT."
    )
    assert abs(entry.action_time - timezone.now()) < timedelta(minutes=1)


def test_a_range_is_stored_as_its_network_and_one_address_as_its_own(client, staff):
    client.post(reverse("admin:voting_sharednetwork_add"), network_form(network="192.0.2.77/24"))
    client.post(reverse("admin:voting_sharednetwork_add"), network_form(network=" 2001:db8:5:: "))

    assert sorted(SharedNetwork.objects.values_list("network", flat=True)) == [
        "192.0.2.0/24",
        "2001:db8:5::/128",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"network": "10.0.0.0/8"}, "10.0.0.0/8 er for stort. Et delt nettverk kan være høyst /16"),
        ({"network": "2001:db8::/32"}, "2001:db8::/32 er for stort."),
        ({"network": "rådhuset"}, "Skriv et adresseområde som 192.0.2.0/24"),
        ({"reason": ""}, "Skriv hvorfor mange deler adressene i dette området."),
        ({"ends_at": timezone.now() - timedelta(days=1)}, "Slutten må ligge fram i tid."),
        (
            {"ends_at": timezone.now() + timedelta(days=61)},
            "Et delt nettverk kan gjelde i høyst 60 dager.",
        ),
        (
            {
                "starts_at": timezone.now() + timedelta(days=10),
                "ends_at": timezone.now() + timedelta(days=5),
            },
            "Slutten må komme etter at det begynner å gjelde.",
        ),
    ],
)
def test_a_range_that_is_too_wide_has_no_reason_or_no_sensible_end_is_refused_and_says_why(
    client, staff, fields, message
):
    response = client.post(reverse("admin:voting_sharednetwork_add"), network_form(**fields))

    assert response.status_code == 200
    assert message in response.text
    assert not SharedNetwork.objects.exists()
    assert not LogEntry.objects.exists()


def test_the_service_refuses_what_the_admin_refuses():
    now = timezone.now()

    with pytest.raises(services.NetworkRefused, match="er for stort"):
        services.save_shared_network(
            network=SharedNetwork(
                network="10.0.0.0/15", name="For stort", reason="Test.", ends_at=now + timedelta(1)
            )
        )

    assert not SharedNetwork.objects.exists()


def test_a_change_needs_a_reason_and_is_logged_field_by_field(client, staff, caplog):
    network = add_network()
    url = reverse("admin:voting_sharednetwork_change", args=[network.pk])
    new_end = network.ends_at + timedelta(days=5)
    caplog.set_level(logging.INFO, logger="voting.audit")

    refused = client.post(url, network_form(starts_at=network.starts_at, ends_at=new_end))
    saved = client.post(
        url,
        network_form(
            starts_at=network.starts_at,
            ends_at=new_end,
            name="Sandnes rådhus og bibliotek",
            change_reason="Biblioteket deler rådhusets adresse.",
        ),
    )

    assert refused.status_code == 200
    assert "Skriv hvorfor det delte nettverket endres." in refused.text
    assert saved.status_code == 302
    network.refresh_from_db()
    assert network.name == "Sandnes rådhus og bibliotek"
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.user == staff
    assert "navn: Sandnes rådhus → Sandnes rådhus og bibliotek" in entry.change_message
    assert "gjelder til: " in entry.change_message
    assert entry.change_message.endswith("Grunn: Biblioteket deler rådhusets adresse.")
    assert any("by staff on SharedNetwork" in r.getMessage() for r in caplog.records)


def test_staff_delete_a_shared_network_only_with_a_reason_and_the_deletion_is_logged(client, staff):
    network = add_network()
    url = reverse("admin:voting_sharednetwork_delete", args=[network.pk])

    page = client.get(url)
    without = client.post(url, {"post": "yes", "reason": ""})
    deleted = client.post(url, {"post": "yes", "reason": "Rådhuset har fått egne adresser."})

    assert page.status_code == 200
    assert "Grunn til slettingen" in page.text
    assert without.status_code == 200
    assert "Skriv hvorfor det delte nettverket slettes." in without.text
    assert deleted.status_code == 302
    assert not SharedNetwork.objects.exists()
    entry = LogEntry.objects.get(action_flag=DELETION)
    assert entry.user == staff
    assert entry.object_repr == "Sandnes rådhus (192.0.2.0/24)"
    assert entry.change_message.startswith("Delt nettverk slettet: Sandnes rådhus (192.0.2.0/24)")
    assert entry.change_message.endswith("Grunn: Rådhuset har fått egne adresser.")


def test_a_shared_network_votes_came_from_cannot_be_deleted_only_ended(client, staff, nomination):
    network = add_network()
    services.cast_vote(
        nomination=nomination,
        voter_key="k" * 64,
        email_domain="example.no",
        network_hash="n",
        shared_network_id=network.pk,
    )

    page = client.get(reverse("admin:voting_sharednetwork_change", args=[network.pk]))
    delete = client.get(reverse("admin:voting_sharednetwork_delete", args=[network.pk]))

    assert "1 stemme" in page.text
    assert "Nettverket kan ikke slettes" in page.text
    assert delete.status_code == 403
    with pytest.raises(services.NetworkRefused, match="kan ikke slettes"):
        services.delete_shared_network(network=network, reason="Test.")
    assert SharedNetwork.objects.filter(pk=network.pk).exists()


def test_the_list_says_which_networks_are_active_and_which_have_expired(client, staff):
    add_network(name="Sandnes rådhus")
    ended = add_network(network="203.0.113.0/24", name="Lura skole")
    ended.ends_at = timezone.now() - timedelta(minutes=1)
    services.save_shared_network(network=ended, reason="Avstemningen er over.")

    listing = client.get(reverse("admin:voting_sharednetwork_changelist"))
    found = client.get(reverse("admin:voting_sharednetwork_changelist"), {"q": "Lura"})

    assert listing.status_code == 200
    rows = {net.name: net for net in listing.context["cl"].result_list}
    assert set(rows) == {"Sandnes rådhus", "Lura skole"}
    assert '<td class="field-state">aktiv</td>' in listing.text
    assert '<td class="field-state">utløpt</td>' in listing.text
    assert [net.name for net in found.context["cl"].result_list] == ["Lura skole"]


@pytest.mark.parametrize("page", ["changelist", "add"])
def test_a_juror_cannot_open_or_add_shared_networks(client, page):
    client.force_login(make_staff(username="juror", group="Jury"))

    opened = client.get(reverse(f"admin:voting_sharednetwork_{page}"))
    posted = client.post(reverse("admin:voting_sharednetwork_add"), network_form())

    assert opened.status_code == 403
    assert posted.status_code == 403
    assert not SharedNetwork.objects.exists()


# The rate limits


def test_an_active_shared_network_raises_the_per_ip_limit_and_only_for_its_addresses(
    settings, mailoutbox, nomination
):
    settings.RATELIMIT_VOTE_REQUEST = "2/m"
    settings.SHARED_NETWORK_RATE_FACTOR = 3
    add_network()

    inside = requests_from(IN_RANGE, nomination, 7)
    outside = requests_from(OUTSIDE, nomination, 3)

    assert inside == [302] * 6 + [429]
    assert outside == [302, 302, 429]
    assert len(mailoutbox) == 8


def test_an_active_shared_network_raises_the_limit_on_confirmations(settings, nomination):
    settings.RATELIMIT_VOTE_CONFIRM = "1/h"
    settings.SHARED_NETWORK_RATE_FACTOR = 2
    add_network()
    tokens = [
        confirmation.make_token(nomination=nomination, address=f"v{i}@example.no") for i in range(3)
    ]
    client = Client(REMOTE_ADDR=IN_RANGE)

    statuses = [client.post(reverse("voting:confirm", args=[t])).status_code for t in tokens]

    assert statuses == [200, 200, 429]
    assert Vote.objects.count() == 2


def test_the_limit_on_e_mails_to_one_address_is_the_same_from_a_shared_network(
    settings, mailoutbox, nomination
):
    settings.RATELIMIT_EMAILS_PER_ADDRESS = "2/h"
    settings.SHARED_NETWORK_RATE_FACTOR = 50
    add_network()
    client = Client(REMOTE_ADDR=IN_RANGE)

    statuses = [
        client.post(request_url(nomination), {"email": "kari@example.no"}).status_code
        for _ in range(3)
    ]

    assert statuses == [302, 302, 429]
    assert len(mailoutbox) == 2


def test_an_expired_or_not_yet_started_network_raises_nothing(settings, mailoutbox, nomination):
    settings.RATELIMIT_VOTE_REQUEST = "2/m"
    settings.SHARED_NETWORK_RATE_FACTOR = 10
    ended = add_network()
    ended.ends_at = timezone.now() - timedelta(seconds=1)
    services.save_shared_network(network=ended, reason="Avstemningen er over.")
    later = timezone.now() + timedelta(days=1)
    services.save_shared_network(
        network=SharedNetwork(
            network="203.0.113.0/24",
            name="Lura skole",
            reason="Elevene stemmer i timen.",
            starts_at=later,
            ends_at=later + timedelta(days=7),
        )
    )

    assert requests_from(IN_RANGE, nomination, 3) == [302, 302, 429]
    assert requests_from("203.0.113.9", nomination, 3) == [302, 302, 429]


def test_a_network_staff_add_counts_from_the_next_request_though_the_list_was_cached(
    client, staff, settings, mailoutbox, nomination, django_capture_on_commit_callbacks
):
    settings.RATELIMIT_VOTE_REQUEST = "2/m"
    settings.SHARED_NETWORK_RATE_FACTOR = 3
    assert requests_from(IN_RANGE, nomination, 3) == [302, 302, 429]  # the list is cached now

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:voting_sharednetwork_add"), network_form())

    # The raised limit counts afresh.
    assert requests_from(IN_RANGE, nomination, 7, start=3) == [302] * 6 + [429]


def test_the_confirm_post_reads_the_shared_networks_once_for_its_limit_and_its_vote(
    settings, monkeypatch, nomination
):
    network = add_network()
    reads = []
    cache_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *args: reads.append(key) or cache_get(key, *args))
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    counted = Client(REMOTE_ADDR=IN_RANGE).post(reverse("voting:confirm", args=[token]))

    assert counted.status_code == 200
    assert reads.count(shared_networks.CACHE_KEY) == 1
    assert Vote.objects.get().shared_network == network


def test_with_the_cache_down_a_vote_from_a_shared_network_counts_unmarked(
    settings, caplog, nomination
):
    add_network()
    settings.CACHES = dead_redis()
    caplog.set_level(logging.ERROR)
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    counted = Client(REMOTE_ADDR=IN_RANGE).post(reverse("voting:confirm", args=[token]))

    assert counted.status_code == 200
    vote = Vote.objects.get()
    assert vote.shared_network is None
    assert vote.voter_key == identity.voter_key("kari@example.no")
    assert "Rate limit vote-confirm not applied, cache down" in caplog.text


# The fraud review


def test_votes_from_a_shared_network_are_marked_in_the_review_and_the_vote_list_only(
    client, staff, confirm_path, mailoutbox, nomination
):
    network = add_network()
    voter = Client(REMOTE_ADDR=IN_RANGE)
    for name in ("kari", "ola"):
        voter.post(request_url(nomination), {"email": f"{name}@example.no"})
        thanks = voter.post(confirm_path())
        assert thanks.status_code == 200
    Client(REMOTE_ADDR=OUTSIDE).post(request_url(nomination), {"email": "per@example.no"})
    Client(REMOTE_ADDR=OUTSIDE).post(confirm_path())

    review = client.get(reverse("admin:nominees_prizeround_review", args=[nomination.round_id]))
    votes = reverse("admin:voting_vote_changelist")
    filtered = client.get(votes, {"shared_network__id__exact": network.pk})

    assert Vote.objects.filter(shared_network=network).count() == 2
    assert Vote.objects.filter(shared_network=None).count() == 1
    assert "Fra delt nettverk: Sandnes rådhus" in review.text
    assert "Stemmer fra delte nettverk" in review.text
    assert f"shared_network__id__exact={network.pk}" in review.text
    assert filtered.context["cl"].result_count == 2
    # Staff only: nothing public names the network.
    assert "Sandnes" not in thanks.text
    assert "Sandnes" not in Client().get(nomination.round.get_absolute_url()).text


def test_the_marking_stays_after_the_purge_and_the_review_still_shows_it(client, staff):
    prize_round = make_round(phase=Phase.WINNER_ANNOUNCED)
    asker = make_nomination(prize_round=prize_round, name="Asker")
    network = add_network()
    for n in range(3):
        services.cast_vote(
            nomination=asker,
            voter_key=f"{n:064d}",
            email_domain="sandnes.kommune.no",
            network_hash="rådhuset",
            shared_network_id=network.pk,
            at=prize_round.voting_opens_at + timedelta(hours=1),
        )

    purged = services.purge_vote_metadata(prize_round=prize_round, purged_by=staff)
    review = client.get(reverse("admin:nominees_prizeround_review", args=[prize_round.pk]))

    assert purged.votes == 3
    assert set(Vote.objects.values_list("network_hash", "shared_network")) == {("", network.pk)}
    assert review.status_code == 200
    assert review.context["review"].networks == []
    shared = review.context["review"].shared_networks
    assert [(s.label, s.votes, s.valid) for s in shared] == [
        ("Sandnes rådhus (192.0.2.0/24)", 3, 3)
    ]
