"""The backup in docs/operations.md works: a round with votes, dumped with
pg_dump and restored with pg_restore into a fresh database, the commands as
the page gives them, counts the same votes with the same digest there."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import SIX, closed_round_with_votes
from voting import services
from voting.models import Tally, Vote

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "docs" / "operations.md"


def documented_options(program: str) -> list[str]:
    """The options docs/operations.md gives ``program`` on a host without
    compose, less the database (``--dbname``) and the file it reads or writes."""
    [line] = [
        line.strip()
        for line in OPERATIONS.read_text().splitlines()
        if line.strip().startswith(f"{program} ")
    ]
    words = shlex.split(line.split(" > ", 1)[0].split(" < ", 1)[0])[1:]
    at = words.index("--dbname")
    return words[:at] + words[at + 2 :]


def libpq_environment() -> dict[str, str]:
    """The test database's server, for pg_dump, pg_restore, createdb and psql."""
    database = connection.settings_dict
    given = {
        "PGHOST": database["HOST"],
        "PGPORT": str(database["PORT"] or ""),
        "PGUSER": database["USER"],
        "PGPASSWORD": database["PASSWORD"],
    }
    return {**os.environ, **{name: value for name, value in given.items() if value}}


def run(command: list, *, stdin=None, env=None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=env or libpq_environment(),
        stdin=stdin,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def psql(database: str, query: str) -> str:
    return run(["psql", "-X", "-A", "-t", "-d", database, "-c", query]).strip()


def database_url(name: str) -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST'] or ''}{port}/{name}"


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    run(["dropdb", "--if-exists", "--force", name])
    run(["createdb", name])
    yield name
    run(["dropdb", "--if-exists", "--force", name])


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="needs pg_dump and pg_restore")
def test_a_backup_restored_into_a_fresh_database_counts_the_same_votes_with_the_same_digest(
    tmp_path, fresh_database, django_user_model
):
    prize_round, _ = closed_round_with_votes(votes=SIX)
    staff = django_user_model.objects.create_user("kari", is_staff=True)
    services.invalidate_votes(
        votes=Vote.objects.filter(round=prize_round)[:2], reason="Test", invalidated_by=staff
    )
    tally = services.count_votes(prize_round=prize_round)
    receipts = sorted(Vote.objects.values_list("receipt", flat=True))
    backup = tmp_path / "prizevote.dump"
    dump_options, restore_options = documented_options("pg_dump"), documented_options("pg_restore")

    # As docs/operations.md says: dump, then restore into an empty database.
    with backup.open("wb") as out:
        out.write(
            subprocess.run(
                ["pg_dump", *dump_options, "--dbname", connection.settings_dict["NAME"]],
                env=libpq_environment(),
                capture_output=True,
                timeout=120,
                check=True,
            ).stdout
        )
    with backup.open("rb") as dump:
        run(["pg_restore", *restore_options, "--dbname", fresh_database], stdin=dump)
    # The app counts again on the restored database, a new tally beside the old.
    recount = run(
        [sys.executable, "manage.py", "count_votes", str(prize_round.year)],
        env={**os.environ, "DATABASE_URL": database_url(fresh_database)},
    )

    assert (tally.valid_votes, tally.invalidated_votes) == (13, 2)
    assert f"13 valid, 2 invalidated, digest {tally.digest}" in recount
    restored_receipts = psql(fresh_database, "SELECT receipt FROM voting_vote ORDER BY receipt")
    assert restored_receipts.split() == receipts
    assert psql(fresh_database, "SELECT DISTINCT digest FROM voting_tally") == tally.digest
    assert psql(fresh_database, "SELECT count(*) FROM voting_tally") == "2"
    # The source database is as it was: the recount went to the restored one.
    assert Tally.objects.count() == 1
