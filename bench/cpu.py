"""CPU per request of the benchmark's cases, in one process:

    .venv/bin/python bench/cpu.py [--requests 2000] [--cases confirm,email] [--profile confirm]

Where `bench/run.py` measures throughput under load, this says where a single
request's CPU goes, without wrk, the app server or the other cores in the
figures. Like run.py it starts a throwaway PostgreSQL cluster on a spare
loopback port and uses Redis database 13 (flushed before and after), loads
the same round with the production settings (bench.settings), then sends each
case's requests through Django's test client: the whole middleware stack and
view, the test client's own small overhead included. Requests are sent in
rounds, cases taking turns, and the least CPU per request of the rounds is
printed (the least is the figure the machine's other work disturbs least),
each POST with a form-encoded body as a browser sends it.

With --profile CASE, cProfile (CPU time) lists that case's costliest calls.
"""

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (case, the bare view it is compared with)
CASES = {
    "hello": None,
    "insert": None,
    "home": "hello",
    "nominee": "hello",
    "requested": "hello",
    "ballot": "hello",
    "confirm": "insert",
    "email": "insert",
}
FORM = "application/x-www-form-urlencoded"


def measure(cases: list[str], requests: int, rounds: int, profile: str | None) -> None:
    """Inside the app's process (DJANGO_SETTINGS_MODULE=bench.settings)."""
    import django

    django.setup()
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from bench.prepare import LANGUAGE, OPEN_YEAR
    from nominees.models import Nomination
    from voting import confirmation

    client = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    csrf = f"csrfmiddlewaretoken={_mask_cipher_secret(secret)}"
    nominations = list(Nomination.objects.with_round().filter(round__year=OPEN_YEAR))
    slug = nominations[0].municipality.slug
    stamp = time.time_ns()
    warmup = 50
    with translation.override(LANGUAGE):
        home = reverse("nominees:home")
        nominee = nominations[0].get_absolute_url()
        request_path = reverse("voting:request", kwargs={"year": OPEN_YEAR, "slug": slug})
        requested = reverse("voting:requested", kwargs={"year": OPEN_YEAR, "slug": slug})
        links = iter(
            [
                reverse(
                    "voting:confirm",
                    args=[
                        confirmation.make_token(
                            nomination=nominations[n % len(nominations)],
                            address=f"cpu-{stamp}-{n}@example.no",
                        )
                    ],
                )
                for n in range(requests + warmup + 1)
            ]
        )
    ballot = next(links)
    addresses = iter(range(10**9))
    send = {
        "hello": lambda: client.get("/bench/hello/"),
        "insert": lambda: client.get("/bench/insert/"),
        "home": lambda: client.get(home),
        "nominee": lambda: client.get(nominee),
        "requested": lambda: client.get(requested),
        "ballot": lambda: client.get(ballot),
        "confirm": lambda: client.post(next(links), csrf, content_type=FORM),
        "email": lambda: client.post(
            request_path,
            f"{csrf}&website=&email=cpu-{stamp}-{next(addresses)}%40example.no",
            content_type=FORM,
        ),
    }
    for case in cases:
        for _ in range(warmup):
            response = send[case]()
            if response.status_code not in (200, 302):
                sys.exit(f"{case}: HTTP {response.status_code}")
    profiler = cProfile.Profile(time.process_time)
    per_round = max(1, requests // rounds)
    spent: dict[str, list[float]] = {case: [] for case in cases}
    for _ in range(rounds):
        for case in cases:
            if case == profile:
                profiler.enable()
            started = time.process_time()
            for _ in range(per_round):
                send[case]()
            spent[case].append((time.process_time() - started) / per_round * 1000)
            if case == profile:
                profiler.disable()

    print(f"\nCPU per request, least of {rounds} rounds of {per_round} requests")
    print(f"{'case':10} {'ms':>7}  compared with")
    for case in cases:
        best = min(spent[case])
        baseline = CASES[case]
        versus = ""
        if baseline in spent:
            versus = f"{baseline} costs {min(spent[baseline]) / best:.0%} of it"
        print(f"{case:10} {best:7.3f}  {versus}")
    if profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(f"\nProfile of {profile} (CPU time, cumulative):")
        print(out.getvalue().replace(str(ROOT) + "/", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per case")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--profile", choices=list(CASES))
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    cases = [case for case in options.cases.split(",") if case]
    if unknown := set(cases) - set(CASES):
        sys.exit(f"Unknown cases: {', '.join(sorted(unknown))}")
    if options.profile and options.profile not in cases:
        cases.append(options.profile)
    if options.inside:
        measure(cases, options.requests, options.rounds, options.profile)
        return

    from bench.run import loaded_app, log

    with contextlib.ExitStack() as stack:
        env = loaded_app(stack, Path(tempfile.mkdtemp(prefix="prizevote-cpu-")), options.redis_db)
        log(f"{options.requests} requests per case: {', '.join(cases)}")
        command = [sys.executable, __file__, "--inside", "--cases", ",".join(cases)]
        command += ["--requests", str(options.requests), "--rounds", str(options.rounds)]
        if options.profile:
            command += ["--profile", options.profile]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=1800)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
