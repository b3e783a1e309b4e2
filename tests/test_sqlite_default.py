"""The embedded default holds several people voting at once: SQLite in WAL
mode with immediate transactions and a busy timeout, so no voter ever sees
"database is locked"."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a process of its own, on a SQLite file (the test database is in memory,
# where neither WAL nor file locks exist): 16 threads, each with its own
# connection, confirm 10 votes each at the same moment.
VOTERS = textwrap.dedent(
    """
    import threading
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse
    from tests.factories import make_nomination, make_round
    from voting import confirmation
    from voting.models import Vote

    call_command("migrate", verbosity=0)
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    threads, per_thread = 16, 10
    paths = [
        [
            reverse(
                "voting:confirm",
                args=[confirmation.make_token(nomination=nomination, address=f"v{t}-{n}@x.no")],
            )
            for n in range(per_thread)
        ]
        for t in range(threads)
    ]
    barrier = threading.Barrier(threads)
    statuses, errors = [], []

    def vote(mine):
        try:
            client = Client()
            barrier.wait(timeout=30)
            for path in mine:
                statuses.append(client.post(path).status_code)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=vote, args=(mine,)) for mine in paths]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    print("journal", mode)
    print("statuses", sorted(set(statuses)), len(statuses))
    print("votes", Vote.objects.count())
    print("errors", errors)
    """
)


def test_many_voters_at_once_on_the_embedded_default_are_all_counted(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "RATELIMIT_VOTE_CONFIRM": "1000/m",  # the threads share one address
    }

    run = subprocess.run(
        [sys.executable, "-c", VOTERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert run.returncode == 0, run.stderr
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert lines["journal"] == "wal"
    assert lines["statuses"] == "[200] 160"
    assert lines["votes"] == "160"
    assert lines["errors"] == "[]"
    assert "locked" not in run.stderr
