"""The benchmark's Django side, run by bench/run.py in its own process with
DJANGO_SETTINGS_MODULE=bench.settings against the benchmark database:

    python -m bench.prepare load OUT.json          the round, the bench table, the paths
    python -m bench.prepare tokens N OUT.txt       N confirmation paths, distinct addresses
    python -m bench.prepare count SIZES OUT.json   count_votes beside GROUP BY, e.g. 1000000,5000000

Every path is built with reverse() under the bokmål URL prefix, so it follows
the app's URLs."""

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from demo import demo_data  # noqa: E402
from nominees.models import KeyFigure, Municipality, Nomination, PrizeRound  # noqa: E402
from voting import ballot_box, confirmation, services  # noqa: E402
from voting.models import Vote  # noqa: E402

OPEN_YEAR = 2030
COUNT_YEAR = 2029
LANGUAGE = "nb"
# Timed repetitions of each count; the least is reported.
REPEATS = 3


def create_round(year: int, *, title: str, schedule: dict) -> PrizeRound:
    """A round with the six 2020 nominees of the demo, texts and key figures included."""
    prize_round = PrizeRound.objects.create(
        year=year, title=title, intro=demo_data.DEMO_INTRO, **schedule
    )
    names = {number: rest for number, *rest in demo_data.MUNICIPALITIES}
    for order, nominee in enumerate(demo_data.NOMINEES_2020):
        number = nominee["municipality"]
        name, county, slug = names[number]
        municipality, _ = Municipality.objects.get_or_create(
            number=number, defaults={"name": name, "county": county, "slug": slug}
        )
        nomination = Nomination.objects.create(
            round=prize_round,
            municipality=municipality,
            summary_nb=nominee["summary"],
            justification_nb=nominee["justification"],
            display_order=order,
        )
        for position, (label, value) in enumerate(nominee["key_figures"]):
            KeyFigure.objects.create(
                nomination=nomination, position=position, label=label, value=value
            )
    return prize_round


def counting_round(year: int, *, now) -> PrizeRound:
    """A round that has closed, for counting_votes' generated votes."""
    day = timedelta(days=1)
    return create_round(
        year,
        title=f"Bosettings- og integreringsprisen {year} (ytelsestest, avsluttet)",
        schedule={
            "nominees_published_at": now - 30 * day,
            "voting_opens_at": now - 20 * day,
            "voting_closes_at": now - day,
            "finalists_announced_at": now + 14 * day,
            "winner_announced_at": now + 21 * day,
        },
    )


def load(out: Path) -> None:
    now = timezone.now()
    day = timedelta(days=1)
    with transaction.atomic():
        open_round = create_round(
            OPEN_YEAR,
            title=f"Bosettings- og integreringsprisen {OPEN_YEAR} (ytelsestest)",
            schedule={
                "nominees_published_at": now - 2 * day,
                "voting_opens_at": now - day,
                "voting_closes_at": now + 7 * day,
                "finalists_announced_at": now + 14 * day,
                "winner_announced_at": now + 21 * day,
            },
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_row (id bigserial PRIMARY KEY,"
                " created_at timestamptz NOT NULL, payload varchar(64) NOT NULL)"
            )
    nomination = open_round.nominations.select_related("municipality").order_by("pk").first()
    with translation.override(LANGUAGE):
        paths = {
            "home": reverse("nominees:home"),
            "nominee": nomination.get_absolute_url(),
            "request": reverse(
                "voting:request",
                kwargs={"year": OPEN_YEAR, "slug": nomination.municipality.slug},
            ),
        }
    out.write_text(json.dumps({"paths": paths, "nomination_id": nomination.pk}))


def tokens(count: int, out: Path) -> None:
    """``count`` confirmation paths for the open round, one distinct address
    each, spread over its six nominees."""
    nominations = list(Nomination.objects.filter(round__year=OPEN_YEAR).order_by("pk"))
    stamp = time.time_ns()
    with translation.override(LANGUAGE), out.open("w") as lines:
        for n in range(count):
            token = confirmation.make_token(
                nomination=nominations[n % len(nominations)],
                address=f"velger-{stamp}-{n}@example.no",
            )
            lines.write(reverse("voting:confirm", args=[token]) + "\n")


# Votes for the closed round, generated inside PostgreSQL: unique receipts in the
# app's form, five characters, a hyphen, five more (upper-case hex is within
# Crockford's alphabet), their hashes as cast_vote stores them, unique voter
# keys, an uneven spread over the six nominees and 1 % invalidated.
GENERATE_VOTES = """
INSERT INTO voting_vote (round_id, nomination_id, voter_key, receipt, receipt_hash, cast_at,
                         email_domain, network_hash, status, invalidated_reason,
                         invalidated_category, invalidated_at)
SELECT %(round)s,
       (%(nominations)s::bigint[])[1 + (i %% 21)],
       lpad(to_hex(i), 64, '0'),
       receipt,
       encode(sha256(convert_to(%(prefix)s || receipt, 'UTF8')), 'hex'),
       %(opens)s::timestamptz + (i %% 1000000) * interval '1 second',
       'example.no',
       lpad(to_hex(i %% 5000), 64, '0'),
       CASE WHEN i %% 100 = 0 THEN 'invalidated' ELSE 'valid' END,
       CASE WHEN i %% 100 = 0 THEN 'Ytelsestest' ELSE '' END,
       CASE WHEN i %% 100 = 0 THEN 'automated' ELSE '' END,
       CASE WHEN i %% 100 = 0 THEN now() END
FROM (SELECT i, upper(substr(lpad(to_hex(i), 10, '0'), 1, 5) || '-'
                      || substr(lpad(to_hex(i), 10, '0'), 6)) AS receipt
      FROM generate_series(%(first)s, %(last)s) AS i) AS generated
"""

GROUP_BY = """
SELECT nomination_id, count(*) FROM voting_vote
WHERE round_id = %s AND status = 'valid' GROUP BY nomination_id
"""


def timed(action, **arguments) -> float:
    started = time.perf_counter()
    action(**arguments)
    return time.perf_counter() - started


def group_by(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(GROUP_BY, [pk])
        cursor.fetchall()


def count(sizes: list[int], out: Path) -> None:
    """Each size's votes in a closed round of its own (COUNT_YEAR, the year
    before, ...), then count_votes and a plain GROUP BY of each round timed
    in turns, REPEATS times, the least of each reported. In turns, so the
    machine's speed, which moves over minutes here, is the same for every
    size: timed one size after the other, the 5M count's growth over 1M
    went from 4.5x to 8.0x on unchanged code. Each round's votes are
    generated together, so they lie together in the table, as a year's
    votes do."""
    now = timezone.now()
    rounds = [counting_round(COUNT_YEAR - index, now=now) for index in range(len(sizes))]
    weights = (6, 5, 4, 3, 2, 1)  # votes per 21, so no tie at the cut
    results = []
    with connection.cursor() as cursor:
        # The confirm runs' random receipts are gone first, so the generated
        # ones cannot collide with them.
        cursor.execute("DELETE FROM voting_vote")
        generated = 0  # receipts are unique over all rounds
        for size, prize_round in zip(sizes, rounds, strict=True):
            pks = list(prize_round.nominations.order_by("pk").values_list("pk", flat=True))
            spread = [pk for pk, weight in zip(pks, weights, strict=True) for _ in range(weight)]
            started = time.perf_counter()
            cursor.execute(
                GENERATE_VOTES,
                {
                    "round": prize_round.pk,
                    "prefix": ballot_box.receipt_prefix(prize_round.year),
                    "nominations": spread,
                    "opens": prize_round.voting_opens_at,
                    "first": generated + 1,
                    "last": generated + size,
                },
            )
            generated += size
            results.append({"votes": size, "generate_s": time.perf_counter() - started})
        cursor.execute("VACUUM ANALYZE voting_vote")
        # Millions of rows just written are still being written out to disk
        # (a checkpoint's worth and more), and the counts would share the
        # disk with that. A real count comes days after the votes.
        cursor.execute("CHECKPOINT")
    timings = [{"group_by_s": [], "count_votes_s": []} for _ in rounds]
    for _ in range(REPEATS):
        for prize_round, times in zip(rounds, timings, strict=True):
            times["group_by_s"].append(timed(group_by, pk=prize_round.pk))
            times["count_votes_s"].append(timed(services.count_votes, prize_round=prize_round))
    for size, prize_round, times, row in zip(sizes, rounds, timings, results, strict=True):
        tally = prize_round.tallies.order_by("-counted_at", "-pk").first()
        valid = Vote.objects.filter(round=prize_round, status=Vote.Status.VALID).count()
        if tally.valid_votes != valid or tally.valid_votes + tally.invalidated_votes != size:
            raise SystemExit(f"count_votes counted {tally.valid_votes} of {valid} valid votes")
        row.update(
            {
                "group_by_s": min(times["group_by_s"]),
                "count_votes_s": min(times["count_votes_s"]),
                "count_votes_all_s": times["count_votes_s"],
                "repeats": REPEATS,
                "digest": tally.digest,
            }
        )
    out.write_text(json.dumps(results))


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "load":
        load(Path(args[0]))
    elif command == "tokens":
        tokens(int(args[0]), Path(args[1]))
    elif command == "count":
        count([int(size) for size in args[0].split(",")], Path(args[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
