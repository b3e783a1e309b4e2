import faulthandler
import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from nominees.models import Phase
from tests.factories import SIX, closed_round_with_votes, make_round, make_staff, migrate_across
from voting import ballot_box, services
from voting.models import Tally, Vote
from voting.services import counts

pytestmark = pytest.mark.django_db


def test_count_freezes_totals_ranks_and_the_three_finalists():
    prize_round, _ = closed_round_with_votes(votes=SIX)

    tally = services.count_votes(prize_round=prize_round)

    assert tally.valid_votes == 15
    assert tally.invalidated_votes == 0
    entries = {e.nomination.municipality.name: e for e in tally.entries.all()}
    assert {name: e.votes for name, e in entries.items()} == SIX
    assert [n for n, e in sorted(entries.items(), key=lambda i: i[1].rank)][:3] == [
        "Asker",
        "Randaberg",
        "Gjøvik",
    ]
    assert {n for n, e in entries.items() if e.finalist} == {"Asker", "Randaberg", "Gjøvik"}
    assert len(tally.digest) == 64


def test_counting_is_refused_while_voting_is_open():
    prize_round = make_round(phase=Phase.VOTING_OPEN)

    with pytest.raises(services.CountRefused, match="avsluttet"):
        services.count_votes(prize_round=prize_round)

    assert Tally.objects.count() == 0


def test_recount_without_changes_gives_the_same_digest_in_a_new_tally():
    prize_round, _ = closed_round_with_votes(votes=SIX)

    first = services.count_votes(prize_round=prize_round)
    second = services.count_votes(prize_round=prize_round, at=timezone.now() + timedelta(minutes=1))

    assert first.pk != second.pk
    assert first.digest == second.digest


def test_invalidated_votes_are_kept_but_excluded_and_change_the_digest():
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    staff = get_user_model().objects.create_user("staff")
    before = services.count_votes(prize_round=prize_round)
    suspicious = list(Vote.objects.filter(nomination=nominations["Asker"])[:3])

    changed = services.invalidate_votes(
        votes=suspicious, reason="Samme nettverk, samme minutt", invalidated_by=staff
    )
    after = services.count_votes(prize_round=prize_round)

    assert changed == 3
    assert Vote.objects.count() == 15
    assert Vote.objects.filter(status=Vote.Status.INVALIDATED).count() == 3
    assert after.valid_votes == 12
    assert after.invalidated_votes == 3
    assert after.entries.get(nomination=nominations["Asker"]).votes == 2
    assert after.digest != before.digest


def test_invalidation_without_a_reason_is_refused_and_changes_nothing():
    closed_round_with_votes(votes={"Asker": 2})

    with pytest.raises(services.InvalidationRefused):
        services.invalidate_votes(votes=Vote.objects.all(), reason="  ", invalidated_by=None)

    assert Vote.objects.valid().count() == 2


def test_tie_at_the_cut_is_frozen_as_a_tie_not_as_finalists():
    prize_round, _ = closed_round_with_votes(votes={"A": 5, "B": 4, "C": 3, "D": 3, "E": 1})

    tally = services.count_votes(prize_round=prize_round)

    tied = {e.nomination.municipality.name for e in tally.entries.filter(tied_at_cut=True)}
    finalists = {e.nomination.municipality.name for e in tally.entries.filter(finalist=True)}
    assert tied == {"C", "D"}
    assert finalists == {"A", "B"}


def test_count_votes_command_counts_a_closed_round():
    prize_round, _ = closed_round_with_votes(votes=SIX)
    out = StringIO()

    call_command("count_votes", "2030", stdout=out)

    tally = Tally.objects.get()
    assert tally.round == prize_round
    assert tally.digest in out.getvalue()
    assert "Asker" in out.getvalue()


def test_count_votes_command_refuses_an_open_round_and_an_unknown_year():
    make_round(year=2030, phase=Phase.VOTING_OPEN)

    with pytest.raises(CommandError, match="avsluttet"):
        call_command("count_votes", "2030", stdout=StringIO())
    with pytest.raises(CommandError, match="No round"):
        call_command("count_votes", "1999", stdout=StringIO())
    assert Tally.objects.count() == 0


def test_count_votes_admin_action_freezes_a_tally_and_logs_who_counted(client):
    prize_round, _ = closed_round_with_votes(votes=SIX)
    staff = make_staff(username="staff", superuser=True)
    client.force_login(staff)

    response = client.post(
        reverse("admin:nominees_prizeround_changelist"),
        {"action": "count_votes", "_selected_action": [prize_round.pk]},
        follow=True,
    )

    tally = Tally.objects.get()
    assert tally.counted_by == staff
    assert tally.digest in response.text
    entry = LogEntry.objects.get()
    assert entry.user == staff
    assert tally.digest in entry.change_message
    change_page = client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))
    assert tally.digest in change_page.text


def digests_on_the_round_page(client, prize_round) -> list[str]:
    """The digests of the tallies listed on the round's admin page, newest first."""
    page = client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))
    tallies = next(
        f.formset.queryset for f in page.context["inline_admin_formsets"] if f.opts.model is Tally
    )
    shown = [tally.digest for tally in tallies]
    assert all(digest in page.text for digest in shown)
    return shown


def test_recounts_in_the_admin_keep_the_digest_until_a_vote_is_invalidated(client):
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    client.force_login(make_staff(group="IMDi-ansatte"))

    def count_votes():
        return client.post(
            reverse("admin:nominees_prizeround_changelist"),
            {"action": "count_votes", "_selected_action": [prize_round.pk]},
        )

    count_votes()
    count_votes()
    invalidated = client.post(
        reverse("admin:voting_vote_changelist"),
        {
            "action": "invalidate",
            "_selected_action": [Vote.objects.filter(nomination=nominations["Asker"])[0].pk],
            "reason": "Skript.",
        },
    )
    count_votes()

    assert invalidated.status_code == 302
    first, second, third = Tally.objects.order_by("pk")
    assert first.digest == second.digest
    assert third.digest != first.digest
    assert third.invalidated_votes == 1
    assert digests_on_the_round_page(client, prize_round) == [
        third.digest,
        second.digest,
        first.digest,
    ]


def test_recounts_from_the_command_keep_the_digest_until_a_vote_is_invalidated(client):
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    outputs = []

    def count_votes():
        out = StringIO()
        call_command("count_votes", "2030", stdout=out)
        outputs.append(out.getvalue())

    count_votes()
    count_votes()
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Voss"])[:1],
        reason="Skript.",
        invalidated_by=None,
    )
    count_votes()

    first, second, third = Tally.objects.order_by("pk")
    assert first.digest == second.digest
    assert third.digest != first.digest
    assert first.digest in outputs[0]
    assert second.digest in outputs[1]
    assert third.digest in outputs[2]
    assert first.digest not in outputs[2]
    client.force_login(make_staff(group="IMDi-ansatte"))
    assert digests_on_the_round_page(client, prize_round) == [
        third.digest,
        second.digest,
        first.digest,
    ]


TWO_WITH_VOTES = {"Asker": 2, "Voss": 1, "Tromsø": 0}
SHORTFALL = "Bare 2 av 3 finalistplasser kunne fylles: bare 2 nominasjoner fikk stemmer."


def test_count_votes_admin_action_says_when_too_few_nominations_had_votes_to_fill_the_seats(client):
    prize_round, _ = closed_round_with_votes(votes=TWO_WITH_VOTES)
    client.force_login(make_staff(group="IMDi-ansatte"))

    response = client.post(
        reverse("admin:nominees_prizeround_changelist"),
        {"action": "count_votes", "_selected_action": [prize_round.pk]},
        follow=True,
    )

    tally = Tally.objects.get()
    assert tally.shortfall == 1
    assert {e.nomination.municipality.name for e in tally.entries.filter(finalist=True)} == {
        "Asker",
        "Voss",
    }
    assert f"{prize_round}: {SHORTFALL}" in [str(m) for m in response.context["messages"]]
    page = client.get(reverse("admin:voting_tally_change", args=[tally.pk]))
    assert SHORTFALL in page.text


def test_count_votes_command_says_when_too_few_nominations_had_votes_to_fill_the_seats():
    closed_round_with_votes(votes=TWO_WITH_VOTES)
    out = StringIO()

    call_command("count_votes", "2030", stdout=out)

    assert SHORTFALL in out.getvalue()
    assert Tally.objects.get().shortfall == 1


@pytest.mark.parametrize(
    ("votes", "said"),
    [
        (
            {"Asker": 1, "Voss": 0},
            "Bare 1 av 3 finalistplasser kunne fylles: bare 1 nominasjon fikk",
        ),
        ({"Asker": 0, "Voss": 0}, "Ingen finalistplasser kunne fylles: ingen nominasjon fikk"),
    ],
)
def test_the_tally_page_says_how_many_seats_could_be_filled(client, votes, said):
    prize_round, _ = closed_round_with_votes(votes=votes)
    tally = services.count_votes(prize_round=prize_round)
    client.force_login(make_staff(group="IMDi-ansatte"))

    page = client.get(reverse("admin:voting_tally_change", args=[tally.pk]))

    assert said in page.text


def test_a_count_that_fills_every_seat_says_nothing_of_empty_seats(client):
    closed_round_with_votes(votes=SIX)
    client.force_login(make_staff(group="IMDi-ansatte"))
    out = StringIO()

    call_command("count_votes", "2030", stdout=out)
    page = client.get(reverse("admin:voting_tally_change", args=[Tally.objects.get().pk]))

    assert "finalistplasser" not in out.getvalue()
    assert "finalistplasser" not in page.text


def test_count_votes_admin_action_on_an_open_round_counts_nothing(client):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    client.force_login(make_staff(username="s", superuser=True))

    response = client.post(
        reverse("admin:nominees_prizeround_changelist"),
        {"action": "count_votes", "_selected_action": [prize_round.pk]},
        follow=True,
    )

    assert "avsluttet" in response.text
    assert Tally.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_staff_without_the_count_permission_cannot_count(client):
    prize_round, _ = closed_round_with_votes(votes=SIX)
    user = make_staff(username="viewer", permissions=["view_prizeround"])
    client.force_login(user)

    client.post(
        reverse("admin:nominees_prizeround_changelist"),
        {"action": "count_votes", "_selected_action": [prize_round.pk]},
    )

    assert Tally.objects.count() == 0


def test_the_databases_receipt_hashes_order_and_days_are_those_the_ballot_box_defines():
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Asker"])[:2],
        reason="Test.",
        category=Vote.Category.AUTOMATED,
        invalidated_by=None,
    )
    in_python = sorted(
        (
            ballot_box.receipt_hash(prize_round.year, vote.receipt),
            vote.nomination_id,
            vote.invalidated_category,
            vote.cast_at.astimezone(ballot_box.OSLO).date().isoformat(),
        )
        for vote in Vote.objects.filter(round=prize_round)
    )

    with transaction.atomic():
        in_database = list(counts.read(prize_round))

    assert in_database == in_python
    assert sum(1 for row in in_database if row[2] == "automated") == 2


def test_an_empty_round_counts_to_the_digest_of_a_ballot_box_without_votes():
    prize_round, _ = closed_round_with_votes(votes={"Asker": 0})

    tally = services.count_votes(prize_round=prize_round)

    assert tally.valid_votes == 0
    content = tally.ballot_box.content()
    assert tally.digest == hashlib.sha256(content).hexdigest()
    assert json.loads(content)["votes"] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_database_sorts_each_votes_receipt_hash_once():
    prize_round, _nominations = closed_round_with_votes(votes=SIX)

    plan = counts.in_hash_order(prize_round).explain(verbose=True)

    # Sorted in "C" and read as the column, the hash would be two of the
    # sorted row's columns: "Output: receipt_hash, ..., (receipt_hash)::...".
    sort = plan[plan.index("Sort") :]
    sorted_row = next(line for line in sort.splitlines() if "Output:" in line)
    assert sorted_row.count("receipt_hash") == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_ballot_box_is_stored_without_postgresqls_own_compression():
    # Deflate's output does not compress again; PostgreSQL's pglz would try
    # on every count (STORAGE EXTENDED, the stock setting), for nothing.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'voting_ballotbox'::regclass AND attname = 'gzipped'"
        )
        (storage,) = cursor.fetchone()

    assert storage == "e"  # EXTERNAL: out of line when large, never compressed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_the_database_count_sorts_the_receipts_in_the_memory_the_setting_gives(settings):
    settings.COUNT_WORK_MEM = "7MB"
    prize_round, _nominations = closed_round_with_votes(votes=SIX)
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()[0]

    with connection.cursor() as cursor:
        # In the test's transaction, the count's SET LOCAL is still in force after it.
        services.count_votes(prize_round=prize_round)
        cursor.execute("SHOW work_mem")
        during = cursor.fetchone()[0]

    assert before != "7MB"
    assert during == "7MB"


def test_a_tally_reads_as_counted_whatever_later_happens_to_the_municipality_rows(client):
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    asker = nominations["Asker"].municipality
    number = asker.number
    tally = services.count_votes(prize_round=prize_round)
    now = timezone.now()
    prize_round.voting_closes_at = now - timedelta(minutes=10)
    prize_round.finalists_announced_at = now - timedelta(minutes=1)
    prize_round.save()
    # Behind every check's back, as a script writing the row directly could.
    asker.name, asker.number = "Omdøpt", "0999"
    asker.save()
    staff = make_staff(username="staff", superuser=True)
    client.force_login(staff)

    tally_page = client.get(reverse("admin:voting_tally_change", args=[tally.pk]))
    csv_rows = client.get(reverse("admin:voting_tally_csv", args=[tally.pk])).text
    results = client.get(prize_round.get_absolute_url()).text
    finalists = results.split('<ol class="finalists">')[1].split("</ol>")[0]
    winners_page = client.get(reverse("voting:archive")).text

    assert "Omdøpt" not in tally_page.text
    assert f"Asker,{number},5,1,ja" in csv_rows
    assert "Omdøpt" not in csv_rows
    assert "Asker" in finalists
    assert "Omdøpt" not in finalists
    assert "Omdøpt" not in winners_page
    assert tally.entries.get(rank=1).municipality_name == "Asker"


def test_a_cast_vote_keeps_the_hash_its_ballot_box_line_is_found_by():
    prize_round, _ = closed_round_with_votes(votes=SIX)

    for vote in Vote.objects.filter(round=prize_round):
        assert vote.receipt_hash == ballot_box.receipt_hash(prize_round.year, vote.receipt)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_the_votes_cast_before_it_their_receipt_hashes():
    prize_round, _ = closed_round_with_votes(votes=SIX)
    receipts = dict(Vote.objects.values_list("pk", "receipt"))
    migrate_across("voting", name_ending="_receipt_hash", before=lambda apps: None)

    hashes = dict(Vote.objects.values_list("pk", "receipt_hash"))
    assert hashes == {
        pk: ballot_box.receipt_hash(prize_round.year, receipt) for pk, receipt in receipts.items()
    }
    assert len(hashes) == sum(SIX.values())


def test_a_count_that_fails_while_reading_the_votes_is_undone_whole(monkeypatch):
    prize_round, _nominations = closed_round_with_votes(votes=SIX)

    def fails_after_the_first_vote(*, votes, **_):
        next(iter(votes))
        raise MemoryError  # as a count of millions might

    monkeypatch.setattr(ballot_box, "count", fails_after_the_first_vote)

    # A read left open makes the rollback wait forever: end the test run
    # with the stacks after a minute rather than hang it.
    faulthandler.dump_traceback_later(60, exit=True)
    try:
        with pytest.raises(MemoryError):
            services.count_votes(prize_round=prize_round)
    finally:
        faulthandler.cancel_dump_traceback_later()

    # The connection is still usable (no read of the votes left half done
    # on it) and nothing of the count is kept.
    assert Tally.objects.count() == 0
    assert Vote.objects.filter(round=prize_round).count() == 15


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_with_a_libpq_older_than_17_the_votes_are_read_a_row_at_a_time_and_the_same(
    monkeypatch,
):
    prize_round, _nominations = closed_round_with_votes(votes=SIX)
    with transaction.atomic():
        chunked = list(counts.read(prize_round))
    monkeypatch.setattr(counts.psycopg.pq, "version", lambda: 160000)
    sizes = []
    stream = counts.psycopg.Cursor.stream

    def recorded(cursor, *args, size, **kwargs):
        sizes.append(size)
        return stream(cursor, *args, size=size, **kwargs)

    monkeypatch.setattr(counts.psycopg.Cursor, "stream", recorded)

    with transaction.atomic():
        row_by_row = list(counts.read(prize_round))

    assert sizes == [1]
    assert len(chunked) == 15
    assert row_by_row == chunked
