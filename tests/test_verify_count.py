"""scripts/verify_count.py, run as anyone would run it (a separate Python with
no site-packages, so nothing of the app), on the file the site serves: it
recounts to the app's finalists and digest, rejects a tampered file, and
tells a voter whether their receipt's line is in it."""

import ast
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from nominees.models import PrizeRound
from tests.test_ballot_box import announced_round, counted_with_invalidations
from voting import services
from voting.models import Vote

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "verify_count.py"


def verify(path: Path, *args: str) -> subprocess.CompletedProcess:
    # -I -S: no environment, no site-packages; the standard library alone.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def downloaded(client, tmp_path: Path, year: int = 2030) -> Path:
    response = client.get(reverse("data:ballot_box_json", args=[year]))
    assert response.status_code == 200
    path = tmp_path / f"ballot-box-{year}.json"
    path.write_bytes(response.content)
    return path


def finalists_line(tally) -> str:
    names = {entry.nomination_id: entry.municipality_name for entry in tally.entries.all()}
    ranked = sorted(
        (entry for entry in tally.entries.all() if entry.finalist),
        key=lambda entry: (entry.rank, entry.municipality_number),
    )
    return "Finalists by the rule: " + ", ".join(names[e.nomination_id] for e in ranked) + "."


def tampered(path: Path, change) -> Path:
    """A copy of the file with ``change`` made to its parsed content, written
    back in the file's own layout as far as json.dumps goes."""
    box = json.loads(path.read_bytes())
    change(box)
    copy = path.with_name("tampered.json")
    copy.write_text(json.dumps(box, ensure_ascii=False, indent=2), encoding="utf-8")
    return copy


def test_the_verifier_recounts_the_served_file_to_the_apps_finalists_and_digest(client, tmp_path):
    _prize_round, _nominations, tally = counted_with_invalidations()
    path = downloaded(client, tmp_path)

    checked = verify(path, "--digest", tally.digest)

    assert checked.returncode == 0, checked.stderr
    assert f"SHA-256 of the file: {tally.digest}" in checked.stdout
    assert "It is the digest given" in checked.stdout
    assert "Votes: 15 lines, 13 valid, 2 invalidated." in checked.stdout
    assert "invalidated for automated or scripted voting: 2" in checked.stdout
    assert finalists_line(tally) in checked.stdout
    assert checked.stderr == ""


def test_without_a_digest_the_verifier_prints_it_to_compare_with_the_results_page(client, tmp_path):
    prize_round, _nominations, tally = counted_with_invalidations()

    checked = verify(downloaded(client, tmp_path))

    assert checked.returncode == 0, checked.stderr
    assert f"SHA-256 of the file: {tally.digest}" in checked.stdout
    assert "Compare it with the digest" in checked.stdout
    assert tally.digest in client.get(prize_round.get_absolute_url()).text


def test_a_vote_moved_to_another_nominee_is_caught_by_the_recount(client, tmp_path):
    _prize_round, nominations, _tally = counted_with_invalidations()
    path = downloaded(client, tmp_path)
    asker, voss = nominations["Asker"].municipality.number, nominations["Voss"].municipality.number

    def move_a_vote(box):
        vote = next(v for v in box["votes"] if v["nominee"] == voss and v["status"] == "valid")
        vote["nominee"] = asker

    checked = verify(tampered(path, move_a_vote))

    assert checked.returncode == 1
    assert "REJECTED: the file's tally says per_nominee" in checked.stderr
    assert "but its votes recount to" in checked.stderr


def test_a_removed_line_is_caught_by_the_digest_and_by_the_recount(client, tmp_path):
    _prize_round, _nominations, tally = counted_with_invalidations()
    path = downloaded(client, tmp_path)
    lines = path.read_bytes().split(b"\n")
    # A counted vote's line: which of the votes is fourth follows their random
    # receipts, and an invalidated one would make the recount miss elsewhere.
    valid_lines = [
        n
        for n, line in enumerate(lines)
        if line.startswith(b'    {"receipt_hash"') and b'"status": "valid"' in line
    ]
    del lines[valid_lines[3]]
    shorter = tmp_path / "shorter.json"
    shorter.write_bytes(b"\n".join(lines))

    with_digest = verify(shorter, "--digest", tally.digest)
    without = verify(shorter)

    assert with_digest.returncode == without.returncode == 1
    assert "REJECTED: its SHA-256 is not the digest given" in with_digest.stderr
    assert "REJECTED: the file's tally says valid = 13, but its votes recount to 12" in (
        without.stderr
    )


def test_an_edited_tally_whose_digest_no_longer_matches_is_rejected(client, tmp_path):
    _prize_round, nominations, tally = counted_with_invalidations()
    path = downloaded(client, tmp_path)
    voss = nominations["Voss"].municipality.number

    def voss_goes_through(box):
        box["tally"]["finalists"][-1] = voss

    edited = tampered(path, voss_goes_through)
    with_digest = verify(edited, "--digest", tally.digest)
    without = verify(edited)

    assert with_digest.returncode == without.returncode == 1
    assert "its SHA-256 is not the digest given" in with_digest.stderr
    assert "the file's tally says finalists" in without.stderr
    assert "Finalists by the rule" not in without.stdout


def test_a_file_with_votes_out_of_hash_order_is_rejected(client, tmp_path):
    counted_with_invalidations()
    path = downloaded(client, tmp_path)

    checked = verify(tampered(path, lambda box: box["votes"].reverse()))

    assert checked.returncode == 1
    assert "not in receipt_hash order" in checked.stderr


def test_a_voter_learns_whether_their_receipt_was_counted_or_invalidated_and_nothing_else(
    client, tmp_path
):
    prize_round, nominations, _tally = counted_with_invalidations()
    path = downloaded(client, tmp_path)
    votes = Vote.objects.filter(round=prize_round)
    counted = votes.valid().exclude(nomination=nominations["Asker"]).first()
    invalidated = votes.filter(status=Vote.Status.INVALIDATED).first()
    typed = counted.receipt.lower().replace("-", "").replace("0", "o").replace("1", "l")

    found = verify(path, "--receipt", typed)
    struck = verify(path, "--receipt", invalidated.receipt)
    unknown = verify(path, "--receipt", "AAAAA-AAAAA")
    malformed = verify(path, "--receipt", "abc")

    assert found.returncode == 0
    assert found.stdout.splitlines()[-1] == (
        f"Receipt {counted.receipt}: its line is in the file, and the vote was counted."
    )
    assert struck.returncode == 0
    assert struck.stdout.splitlines()[-1] == (
        f"Receipt {invalidated.receipt}: its line is in the file; the vote was invalidated "
        "(automated or scripted voting)."
    )
    assert unknown.returncode == 3
    assert unknown.stdout.splitlines()[-1] == "Receipt AAAAA-AAAAA: no line in this file."
    assert malformed.returncode == 2
    for answer in (found, struck):
        last = answer.stdout.splitlines()[-1]
        assert not any(n.municipality.name in last for n in nominations.values())
        assert not any(n.municipality.number in last for n in nominations.values())


def test_a_tie_the_rule_leaves_open_is_printed_with_the_seats_left(client, tmp_path):
    prize_round, nominations = announced_round({"A": 5, "B": 4, "C": 3, "D": 3, "E": 1})
    tally = services.count_votes(prize_round=prize_round)
    services.resolve_tie(tally=tally, nominations=[nominations["D"]], reason="Loddtrekning.")

    checked = verify(downloaded(client, tmp_path), "--digest", tally.digest)

    assert checked.returncode == 0, checked.stderr
    assert "Finalists by the rule: A, B." in checked.stdout
    assert "Tie at the cut: C, D have the same number of votes for the 1 seat(s) left." in (
        checked.stdout
    )
    assert "published on the round's results page" in checked.stdout
    page = client.get(prize_round.get_absolute_url()).text
    assert "Loddtrekning." in page


def test_the_counted_demo_rounds_ballot_box_verifies(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=StringIO())
    closed = PrizeRound.objects.get(title__contains="avsluttet")
    tally = services.count_votes(prize_round=closed)
    path = tmp_path / "demo.json"
    path.write_bytes(tally.ballot_box.content())

    checked = verify(path, "--digest", tally.digest)

    assert checked.returncode == 0, checked.stderr
    assert f"Votes: {Vote.objects.filter(round=closed).count()} lines" in checked.stdout
    assert finalists_line(tally) in checked.stdout


def test_the_verifier_imports_nothing_but_the_standard_library():
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }

    assert imported
    assert imported <= sys.stdlib_module_names
