"""The public ballot box: the file a count writes and digests, what it holds
and leaves out, when and how it is served, the rules it records as fixed,
and the category an invalidation gives its votes."""

import csv
import gzip
import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from config.links import public_url
from nominees.models import Phase, WinnerRule
from tests.factories import SIX, closed_round_with_votes, make_round, make_staff
from tests.test_result_freeze import change_url, post_change
from voting import ballot_box, services
from voting.models import Vote

pytestmark = pytest.mark.django_db

FILE_KEYS = ["format", "receipt_hash", "round", "rules", "nominees", "votes", "tally"]
VOTE_KEYS = ["receipt_hash", "nominee", "status", "category", "day"]
STAFF_WORDS = "Samme nettverk, samme minutt"


def announced_round(votes: dict[str, int] = SIX, *, publish_counts: bool = True):
    """A round whose voting has closed and whose finalists are announced now."""
    prize_round, nominations = closed_round_with_votes(votes=votes)
    prize_round.finalists_announced_at = timezone.now()
    prize_round.publish_vote_counts = publish_counts
    prize_round.save()
    return prize_round, nominations


def counted_with_invalidations():
    """SIX, two of Asker's votes invalidated as scripted by a named staff member, counted."""
    prize_round, nominations = announced_round()
    staff = get_user_model().objects.create_user("kari.staff", is_staff=True)
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Asker"])[:2],
        reason=STAFF_WORDS,
        category=Vote.Category.AUTOMATED,
        invalidated_by=staff,
    )
    return prize_round, nominations, services.count_votes(prize_round=prize_round)


def json_url(year: int = 2030) -> str:
    return reverse("data:ballot_box_json", args=[year])


def csv_url(year: int = 2030) -> str:
    return reverse("data:ballot_box_csv", args=[year])


def test_the_file_holds_every_vote_by_its_receipts_hash_with_the_rules_and_the_tally(client):
    prize_round, nominations, tally = counted_with_invalidations()

    response = client.get(json_url())

    assert response.status_code == 200
    box = json.loads(response.content.decode("utf-8"))
    assert list(box) == FILE_KEYS
    assert box["format"] == "prize-vote/ballot-box/1"
    assert box["receipt_hash"] == {"algorithm": "sha256", "input": "prize-vote 2030 {receipt}"}
    assert box["round"] == {"year": 2030}
    numbers = {name: n.municipality.number for name, n in nominations.items()}
    assert box["nominees"] == [
        {"nominee": number, "municipality": name}
        for name, number in sorted(numbers.items(), key=lambda item: item[1])
    ]
    expected = {
        hashlib.sha256(f"prize-vote 2030 {vote.receipt}".encode()).hexdigest(): {
            "nominee": vote.nomination.municipality.number,
            "status": vote.status,
            "category": vote.invalidated_category or None,
            "day": timezone.localtime(vote.cast_at).date().isoformat(),
        }
        for vote in Vote.objects.filter(round=prize_round).select_related(
            "nomination__municipality"
        )
    }
    assert {vote["receipt_hash"]: vote for vote in box["votes"]} == {
        hashed: {"receipt_hash": hashed, **line} for hashed, line in expected.items()
    }
    assert len(box["votes"]) == 15
    assert all(list(vote) == VOTE_KEYS for vote in box["votes"])
    hashes = [vote["receipt_hash"] for vote in box["votes"]]
    assert hashes == sorted(hashes)
    invalidated = [vote for vote in box["votes"] if vote["status"] == "invalidated"]
    assert [(v["nominee"], v["category"]) for v in invalidated] == [
        (numbers["Asker"], "automated")
    ] * 2
    assert box["tally"]["valid"] == tally.valid_votes == 13
    assert box["tally"]["invalidated"] == 2
    assert box["tally"]["per_nominee"][numbers["Asker"]] == 3
    # Asker (3 left) shares the second place with Gjøvik: a rank's nominees by number.
    second = sorted([numbers["Asker"], numbers["Gjøvik"]])
    assert box["tally"]["finalists"] == [numbers["Randaberg"], *second]
    assert box["tally"]["tie"] is None


def test_the_file_holds_no_receipt_address_staff_name_reason_or_time_of_day(client):
    prize_round, _nominations, _tally = counted_with_invalidations()

    text = client.get(json_url()).content.decode("utf-8")

    votes_and_tally = text[text.index('"votes"') :]
    for vote in Vote.objects.filter(round=prize_round):
        assert vote.receipt not in text
        assert vote.voter_key not in text
    assert "example.no" not in text
    assert not {"voter_key", "network_hash", "email_domain", "cast_at"} & set(
        re.findall(r'"(\w+)":', text)
    )
    assert "kari.staff" not in text
    assert STAFF_WORDS not in text
    assert not re.search(r"\d\d:\d\d", votes_and_tally)


def test_the_rules_are_those_fixed_when_voting_opened_in_norwegian_time(client):
    prize_round, _nominations, tally = counted_with_invalidations()

    rules = json.loads(client.get(json_url()).content)["rules"]

    opens = timezone.localtime(prize_round.voting_opens_at).isoformat(timespec="seconds")
    closes = timezone.localtime(prize_round.voting_closes_at).isoformat(timespec="seconds")
    assert list(rules) == ["schedule", "finalist_seats", "winner_rule", "count_rule", "fixed_at"]
    assert rules["schedule"]["voting_opens_at"] == opens
    assert rules["schedule"]["voting_closes_at"] == closes
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", opens)
    assert (rules["finalist_seats"], rules["winner_rule"]) == (3, "finalists")
    assert rules["count_rule"] == "prize-vote/rule/1"
    assert rules["fixed_at"] == opens
    assert tally.rules == rules


def test_the_digest_is_the_sha256_of_the_served_file_and_is_on_the_results_page(client):
    prize_round, _nominations, tally = counted_with_invalidations()

    served = client.get(json_url())
    page = client.get(prize_round.get_absolute_url())

    assert hashlib.sha256(served.content).hexdigest() == tally.digest
    assert hashlib.sha256(tally.ballot_box.content()).hexdigest() == tally.digest
    assert tally.digest in page.text
    assert f'href="{json_url()}"' in page.text
    assert f'href="{csv_url()}"' in page.text
    assert f'href="{reverse("voting:count_check")}"' in page.text
    assert "Kontrollsummen over er SHA-256 av JSON-filen." in page.text


def test_a_recount_of_unchanged_votes_writes_the_same_bytes_and_an_invalidation_changes_them():
    prize_round, nominations = announced_round()
    first = services.count_votes(prize_round=prize_round)
    second = services.count_votes(prize_round=prize_round, at=timezone.now() + timedelta(hours=1))
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Voss"])[:1],
        reason="Engangsadresse.",
        category=Vote.Category.DISPOSABLE,
        invalidated_by=None,
    )
    third = services.count_votes(prize_round=prize_round)

    assert first.ballot_box.content() == second.ballot_box.content()
    assert first.digest == second.digest
    assert third.digest != first.digest
    assert b'"status": "invalidated", "category": "disposable"' in third.ballot_box.content()


def test_the_csv_has_the_same_vote_lines_in_the_same_order(client):
    _prize_round, nominations, _tally = counted_with_invalidations()

    box = json.loads(client.get(json_url()).content)
    response = client.get(csv_url())

    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["receipt_hash", "nominee", "municipality", "status", "category", "day"]
    names = {n.municipality.number: name for name, n in nominations.items()}
    assert rows[1:] == [
        [
            vote["receipt_hash"],
            vote["nominee"],
            names[vote["nominee"]],
            vote["status"],
            vote["category"] or "",
            vote["day"],
        ]
        for vote in box["votes"]
    ]


def test_the_files_are_downloads_in_utf_8_that_caches_keep_by_their_digest(client):
    _prize_round, _nominations, tally = counted_with_invalidations()

    plain = client.get(json_url())
    gzipped = client.get(json_url(), headers={"accept-encoding": "gzip, br"})
    unchanged = client.get(json_url(), headers={"if-none-match": plain["ETag"]})
    spreadsheet = client.get(csv_url())

    assert plain["Content-Type"] == "application/json; charset=utf-8"
    assert plain["Content-Disposition"] == 'attachment; filename="ballot-box-2030.json"'
    assert spreadsheet["Content-Disposition"] == 'attachment; filename="ballot-box-2030.csv"'
    assert plain["ETag"] == spreadsheet["ETag"] == f'W/"{tally.digest}"'
    assert "no-cache" in plain["Cache-Control"] and "public" in plain["Cache-Control"]
    assert "Accept-Encoding" in plain["Vary"]
    assert "Content-Encoding" not in plain
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.content) == plain.content
    assert (unchanged.status_code, unchanged.content) == (304, b"")


@pytest.mark.parametrize("name", ["data:ballot_box_json", "data:ballot_box_csv"])
def test_the_files_are_not_there_before_the_finalists_are_announced(client, name):
    url = reverse(name, args=[2030])
    prize_round, _nominations = closed_round_with_votes(votes=SIX)
    prize_round.publish_vote_counts = True
    prize_round.save()
    services.count_votes(prize_round=prize_round)

    before = client.get(url)
    prize_round.finalists_announced_at = timezone.now()
    prize_round.save()
    after = client.get(url)

    assert before.status_code == 404
    assert after.status_code == 200


@pytest.mark.parametrize("name", ["data:ballot_box_json", "data:ballot_box_csv"])
def test_the_files_are_not_published_for_a_round_that_keeps_its_counts(client, name):
    url = reverse(name, args=[2030])
    prize_round, _nominations = announced_round(publish_counts=False)
    services.count_votes(prize_round=prize_round)

    response = client.get(url)
    page = client.get(prize_round.get_absolute_url())

    assert response.status_code == 404
    assert "Stemmeurnen, filen med alle stemmene, publiseres ikke for denne runden." in page.text
    assert json_url() not in page.text


def test_a_tie_left_open_keeps_the_file_back_until_it_is_resolved(client):
    prize_round, nominations = announced_round({"A": 5, "B": 4, "C": 3, "D": 3, "E": 1})
    tally = services.count_votes(prize_round=prize_round)

    while_open = client.get(json_url())
    services.resolve_tie(tally=tally, nominations=[nominations["D"]], reason="Loddtrekning.")
    resolved = client.get(json_url())

    assert while_open.status_code == 404
    assert resolved.status_code == 200
    # The file is what the count made: the tie, not its resolution.
    tie = json.loads(resolved.content)["tally"]["tie"]
    numbers = {name: n.municipality.number for name, n in nominations.items()}
    assert tie == {"nominees": sorted([numbers["C"], numbers["D"]]), "seats": 1}
    assert b"Loddtrekning" not in resolved.content


def test_the_report_says_when_the_rules_were_fixed_and_that_they_are_in_the_file(client):
    prize_round, _nominations, _tally = counted_with_invalidations()
    opened = date_format(timezone.localtime(prize_round.voting_opens_at), "DATETIME_FORMAT")

    page = client.get(prize_round.get_absolute_url())

    assert (
        f"Reglene for runden ble låst da avstemningen åpnet {opened}: tidsplanen, antall "
        "finaleplasser og regelen for hvordan vinneren velges. De står i stemmeurnen, filen "
        "som kontrollsummen er regnet av."
    ) in page.text


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_page_on_checking_the_count_lists_the_files_and_the_commands(client, language):
    _prize_round, _nominations, tally = counted_with_invalidations()
    with translation.override(language):
        url = reverse("voting:count_check")

    page = client.get(url)

    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert f'href="{json_url()}"' in page.text
    assert f'href="{csv_url()}"' in page.text
    assert tally.digest in page.text
    assert f'href="{reverse("data:verifier")}"' in page.text
    # On the public address, never the request's Host header.
    assert f"verify_count.py {public_url(json_url())} --digest {tally.digest}" in page.text
    assert "testserver" not in page.text
    assert "--receipt 7KQ2M-9XHTD" in page.text
    assert f'href="{url}"' in client.get(reverse("voting:privacy")).text  # in the footer


def test_the_verifier_is_downloaded_as_it_is_in_the_repository(client, settings):
    response = client.get(reverse("data:verifier"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-python; charset=utf-8"
    assert response.content == (settings.BASE_DIR / "scripts" / "verify_count.py").read_bytes()


# The category of an invalidation, the one thing of its reason the file tells.


def test_staff_choose_the_category_of_an_invalidation_beside_its_reason(client):
    _prize_round, nominations = closed_round_with_votes(votes={"Asker": 3})
    client.force_login(make_staff(username="kari", group="IMDi-ansatte"))
    votes = Vote.objects.filter(nomination=nominations["Asker"]).order_by("pk")
    action = {"action": "invalidate", "_selected_action": [votes[0].pk]}
    changelist = reverse("admin:voting_vote_changelist")

    form = client.post(changelist, action)
    chosen = client.post(changelist, {**action, "reason": "Tre alias.", "category": "same_mailbox"})
    unchosen = client.post(
        changelist, {**action, "_selected_action": [votes[1].pk], "reason": "Annet."}
    )

    assert 'name="category"' in form.text
    assert '<option value="other" selected>' in form.text
    assert chosen.status_code == unchosen.status_code == 302
    assert list(votes.values_list("invalidated_category", flat=True)) == [
        "same_mailbox",
        "other",
        "",
    ]


def test_an_invalidation_with_an_unknown_category_is_refused_and_changes_nothing():
    closed_round_with_votes(votes={"Asker": 2})

    with pytest.raises(services.InvalidationRefused):
        services.invalidate_votes(
            votes=Vote.objects.all(), reason="Skript.", category="rumour", invalidated_by=None
        )

    assert Vote.objects.valid().count() == 2


# The rules are fixed from the moment voting opens.


def test_the_number_of_finalists_and_the_winner_rule_are_fixed_once_voting_opens(client):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    client.force_login(make_staff(username="kari", group="IMDi-ansatte"))

    fewer = post_change(client, prize_round, finalist_count=2)
    rule = post_change(client, prize_round, winner_rule=WinnerRule.ALL_NOMINEES)

    assert [fewer.status_code, rule.status_code] == [200, 200]
    assert "reglene for runden står fast" in fewer.text
    assert 'name="finalist_count"' not in client.get(change_url(prize_round)).text
    prize_round.refresh_from_db()
    assert (prize_round.finalist_count, prize_round.winner_rule) == (3, WinnerRule.FINALISTS)


def test_before_voting_opens_the_number_of_finalists_may_change(client):
    prize_round = make_round(phase=Phase.NOMINEES_PUBLISHED)
    client.force_login(make_staff(username="kari", group="IMDi-ansatte"))

    response = post_change(client, prize_round, finalist_count=2)

    assert response.status_code == 302
    prize_round.refresh_from_db()
    assert prize_round.finalist_count == 2


def test_the_file_names_each_vote_as_the_module_writes_it():
    """One line per vote, exactly as json.dumps would write it."""
    line = ballot_box.vote_line("ab" * 32, "3203", "automated", "2030-03-02")

    assert json.loads(line) == {
        "receipt_hash": "ab" * 32,
        "nominee": "3203",
        "status": "invalidated",
        "category": "automated",
        "day": "2030-03-02",
    }
    assert line == json.dumps(json.loads(line), ensure_ascii=False)
    assert ballot_box.vote_line("cd" * 32, "3203", "", "2030-03-02") == json.dumps(
        {
            "receipt_hash": "cd" * 32,
            "nominee": "3203",
            "status": "valid",
            "category": None,
            "day": "2030-03-02",
        }
    )
