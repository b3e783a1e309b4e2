"""CPU per request of the benchmark's cases, in one process:

    .venv/bin/python bench/cpu.py [--requests 2000] [--cases confirm,email] [--profile confirm]
    .venv/bin/python bench/cpu.py --parts

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

With --parts it times, one call at a time, each part the confirm POST and the
e-mail request POST must do beyond what the bare insert view does (CSRF, the
link, the network hash, the rate limits, the cache reads, the phase check, the
insert or the enqueue), and each part the home and nominee pages do beyond
what hello does, beside what the bare view does in their place and each
case's whole request; and prints each case's ceiling, the best ratio to its
bare view it could reach if everything else it does cost nothing.
"""

import argparse
import contextlib
import cProfile
import io
import itertools
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
    nominations = list(Nomination.objects.for_page().filter(round__year=OPEN_YEAR))
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


def least_per_call(calls: dict[str, Callable[[], object]], *, each: int, rounds: int) -> dict:
    """Least CPU ms per call of each callable, over ``rounds`` rounds in which
    they take turns (so a slow spell of the machine hits them all)."""
    for call in calls.values():
        for _ in range(50):
            call()
    spent: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.process_time()
            for _ in range(each):
                call()
            spent[name].append((time.process_time() - started) / each * 1000)
    return {name: min(figures) for name, figures in spent.items()}


def ceiling(parts: dict[str, float], *, bare: dict[str, float], whole: float) -> dict:
    """What ``parts`` leave: the case's least CPU if nothing else it does cost
    anything (the bare view's whole request, less what the bare view does in
    their place, plus the parts), and the bare view's share of that, the best
    ratio the case can reach. ``bare`` is the bare view's two lines, what it
    does in the parts' place and its whole request; ``whole`` the case's own
    whole request."""
    bare_part, bare_request = bare.values()
    extra = sum(parts.values()) - bare_part
    least = bare_request + extra
    return {
        "parts": parts,
        "bare": bare,
        "extra_ms": extra,
        "least_ms": least,
        "ceiling": bare_request / least,
        "whole_ms": whole,
        "bare_ms": bare_request,
    }


def print_parts(case: str, figures: dict) -> None:
    """The parts table of ``case``: its parts, then the bare view's lines
    (what it does in their place, then its whole request), then the case's
    own whole request, measured beside them."""
    whole = figures["whole_ms"]
    print(f"\n{'part of the ' + case:42} {'ms':>7}")
    for name, ms in {**figures["parts"], **figures["bare"]}.items():
        print(f"{name:42} {ms:7.3f}")
    print(f"{'the ' + case + ': whole request':42} {whole:7.3f}")
    print(
        f"The parts cost {figures['extra_ms']:.3f} ms more than what the bare view does in their"
        f"\nplace. If nothing else the {case} does cost anything, it costs"
        f" {figures['least_ms']:.3f} ms,\nand the bare view {figures['ceiling']:.0%} of it:"
        f" the {case}'s ceiling. Its whole request\ncosts {whole:.3f} ms: the rest of what it"
        f" does comes to {whole - figures['least_ms']:.3f} ms, and the\nbare view is"
        f" {figures['bare_ms'] / whole:.0%} of it in one process."
    )


def measure_parts(calls: int, rounds: int, out: Path | None) -> None:
    """Inside the app's process: the parts of the confirm POST and of the
    e-mail request POST, beside the bare insert view, and of the home and
    nominee pages, beside hello, one call at a time; and each case's whole
    request."""
    import django

    django.setup()
    from django.conf import settings
    from django.http import QueryDict
    from django.middleware.csrf import (
        CsrfViewMiddleware,
        _get_new_csrf_string,
        _mask_cipher_secret,
    )
    from django.test import Client, RequestFactory
    from django.urls import reverse
    from django.utils import timezone, translation

    from bench.prepare import LANGUAGE, OPEN_YEAR
    from bench.views import BenchRow
    from config import pagecache
    from config.links import public_url
    from nominees.models import Nomination
    from voting import confirmation, identity, mail, ratelimits, services, shared_networks
    from voting.forms import VoteRequestForm
    from website.views.rounds import published_nomination
    from website.views.votes import published_nomination_by_pk

    translation.activate(LANGUAGE)
    nomination = Nomination.objects.for_page().filter(round__year=OPEN_YEAR).first()
    slug = nomination.municipality.slug
    token = confirmation.make_token(nomination=nomination, address="parts@example.no")
    secret = _get_new_csrf_string()
    factory = RequestFactory(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1")

    def posted():
        request = factory.post(
            "/", f"csrfmiddlewaretoken={_mask_cipher_secret(secret)}", content_type=FORM
        )
        request.COOKIES[settings.CSRF_COOKIE_NAME] = secret
        return request

    request = posted()
    csrf = CsrfViewMiddleware(lambda request: None)
    # A request is checked once, so each call gets its own, made beforehand.
    unchecked = iter([posted() for _ in range(2 * (50 + calls * rounds))])
    stamp = time.time_ns()
    voters = iter(range(10**9))
    addresses = (f"parts-{stamp}-{n}@example.no" for n in range(10**9))
    sealed = confirmation.seal("parts@example.no", purpose=mail.SEAL_PURPOSE)
    sealed_link = confirmation.seal(public_url("/nb/parts/"), purpose=mail.LINK_SEAL_PURPOSE)
    form = f"csrfmiddlewaretoken={_mask_cipher_secret(secret)}"
    body = f"{form}&website=&email=parts%40example.no"
    ip = identity.client_ip(request)
    # Both POSTs: (part, call). The insert and the enqueue write rows as the cases do.
    csrf_check = (
        "CSRF check",
        lambda: csrf.process_view(next(unchecked), lambda request: None, (), {}),
    )
    shared_network = ("shared network (1 Redis read)", lambda: shared_networks.containing(ip))

    def per_ip(group: str, setting: str) -> tuple[str, Callable[[], object]]:
        # The request keeps the shared network it was found in: this part
        # reads it from there, as the view does after the part above.
        return (
            "rate limit per IP (django-ratelimit)",
            lambda: ratelimits.usage(
                request, group=group, key="ip", rate=ratelimits.per_ip_rate(setting)
            ),
        )

    confirm_parts = [
        csrf_check,
        ("link token read (Fernet)", lambda: confirmation.read_token(token)),
        ("network hash", lambda: identity.network_hash(ip)),
        shared_network,
        per_ip("vote-confirm", "RATELIMIT_VOTE_CONFIRM"),
        (
            "nominee + page (1 Redis read)",
            lambda: published_nomination_by_pk(
                nomination.pk,
                shared=pagecache.Shared(
                    pagecache.key("nomination", nomination.pk), pagecache.key("parts", "page")
                ),
            ),
        ),
        (
            "phase check + vote insert",
            lambda: services.cast_vote(
                nomination=nomination,
                voter_key=f"parts-{stamp}-{next(voters)}",
                email_domain="example.no",
                network_hash="parts",
            ),
        ),
    ]
    email_parts = [
        csrf_check,
        shared_network,
        per_ip("vote-request", "RATELIMIT_VOTE_REQUEST"),
        (
            "nominee (1 Redis read) + phase check",
            lambda: published_nomination(OPEN_YEAR, slug).round.voting_is_open(),
        ),
        ("form and address checks", lambda: VoteRequestForm(QueryDict(body)).is_valid()),
        (
            "rate limit per address (django-ratelimit)",
            lambda: ratelimits.emails_to_address_limited(
                request, next(addresses), round_id=nomination.round_id
            ),
        ),
        (
            "link token made (Fernet) + its URL",
            lambda: public_url(
                reverse(
                    "voting:confirm",
                    args=[confirmation.make_token(nomination=nomination, address=next(addresses))],
                )
            ),
        ),
        (
            "address and link sealed (2 Fernet)",
            lambda: (
                confirmation.seal("parts@example.no", purpose=mail.SEAL_PURPOSE),
                confirmation.seal(public_url("/nb/parts/"), purpose=mail.LINK_SEAL_PURPOSE),
            ),
        ),
        (
            "enqueue (django-tasks-db)",
            lambda: mail.send_confirmation.enqueue(
                nomination_id=nomination.pk,
                sealed_address=sealed,
                sealed_confirm_url=sealed_link,
                language=LANGUAGE,
                attempt=1,
            ),
        ),
    ]
    client = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")
    # Each case's whole request as the load sends it: the POSTs with their
    # CSRF cookie and token (and each link used once), the pages as a first
    # visit, without cookies.
    voter = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    voter.cookies[settings.CSRF_COOKIE_NAME] = secret
    links = iter(
        [
            reverse(
                "voting:confirm",
                args=[confirmation.make_token(nomination=nomination, address=address)],
            )
            for address in itertools.islice(addresses, 60 + calls * rounds)
        ]
    )
    request_path = reverse("voting:request", kwargs={"year": OPEN_YEAR, "slug": slug})
    visitor = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")

    def first_visit(path: str) -> Callable[[], object]:
        def get():
            visitor.cookies.clear()
            return visitor.get(path)

        return get

    whole = {
        "confirm": lambda: voter.post(next(links), form, content_type=FORM),
        "email": lambda: voter.post(
            request_path,
            f"{form}&website=&email={next(addresses).replace('@', '%40')}",
            content_type=FORM,
        ),
        "home": first_visit(reverse("nominees:home")),
        "nominee": first_visit(nomination.get_absolute_url()),
    }
    bare_insert = {
        "bare view: its ORM insert": lambda: BenchRow.objects.create(
            created_at=timezone.now(), payload="bench"
        ),
        "bare view: whole request": lambda: client.get("/bench/insert/"),
    }
    home_parts, nominee_parts, bare_hello = page_parts(client, factory, nomination)
    cases = (
        ("confirm POST", "confirm", confirm_parts, bare_insert),
        ("e-mail POST", "email", email_parts, bare_insert),
        ("home page", "home", home_parts, bare_hello),
        ("nominee page", "nominee", nominee_parts, bare_hello),
    )
    # Every part once, all taking turns: the parts the cases share are timed once.
    calls_by_name = {}
    for case, name, parts, bare in cases:
        calls_by_name |= {**dict(parts), **bare, f"the {case}: whole request": whole[name]}
    figures = least_per_call(calls_by_name, each=calls, rounds=rounds)
    print(f"\nCPU per call, least of {rounds} rounds of {calls} calls")
    ceilings = {}
    for case, name, parts, bare in cases:
        ceilings[name] = ceiling(
            {part: figures[part] for part, _ in parts},
            bare={line: figures[line] for line in bare},
            whole=figures[f"the {case}: whole request"],
        )
        print_parts(case, ceilings[name])
    print(
        "\n(Under load the app server's own cost per request, the same for the case and the"
        "\nbare view, raises the measured ratio somewhat above these ceilings.)"
    )
    if out is not None:
        out.write_text(json.dumps(ceilings))


def page_parts(client, factory, nomination) -> tuple[list, list, dict]:
    """The parts of the home and nominee pages beyond hello's, as their
    views do them on a cached page: the URL resolved, the page read from the
    shared cache (one Redis round trip), the nominee page's CSRF token for its
    form, and the page's response; and hello's own URL and response, which
    those take the place of."""
    from django.http import HttpResponse
    from django.middleware.csrf import CsrfViewMiddleware, get_token
    from django.urls import resolve, reverse

    from config import pagecache

    home, nominee = reverse("nominees:home"), nomination.get_absolute_url()
    pages = {}
    for path in (home, nominee):
        served = client.get(path)  # rendered once, and in the cache from now on
        assert served.status_code == 200, (path, served.status_code)
        pages[path] = (served.content.decode(), served["Content-Type"])

    def cache_read(path: str) -> Callable[[], object]:
        # cached_page's own read: one round trip.
        request = factory.get(path)
        return lambda: pagecache.read_page(request)

    csrf = CsrfViewMiddleware(lambda request: None)

    def csrf_token():
        # A first visit, as wrk's: no CSRF cookie yet, so a new secret, the
        # form's masked token and the cookie that carries the secret.
        fresh = factory.get(nominee)
        token = get_token(fresh)
        csrf.process_response(fresh, HttpResponse())
        return token

    def response(path: str) -> Callable[[], object]:
        html, content_type = pages[path]
        return lambda: HttpResponse(html, content_type=content_type)

    size = {path: len(pages[path][0].encode()) // 1000 for path in pages}
    home_parts = [
        ("URL resolved (language prefix, includes)", lambda: resolve(home)),
        ("home page read (1 Redis round trip)", cache_read(home)),
        (f"its response ({size[home]} kB)", response(home)),
    ]
    nominee_parts = [
        ("URL resolved (nominee's, with its slug)", lambda: resolve(nominee)),
        ("nominee page read (1 Redis round trip)", cache_read(nominee)),
        ("CSRF secret, its masked token, its cookie", csrf_token),
        (f"its response ({size[nominee]} kB)", response(nominee)),
    ]
    bare_hello = {
        "hello: its URL resolved and its response": lambda: (
            resolve("/bench/hello/"),
            HttpResponse("hello"),
        ),
        "hello: whole request": lambda: client.get("/bench/hello/"),
    }
    return home_parts, nominee_parts, bare_hello


def parts_ceilings(
    env: dict, *, requests: int = 2000, rounds: int = 5, out: Path | None = None
) -> dict | None:
    """Print the parts tables in the app's environment ``env`` (a process of
    its own, as the app runs); with ``out``, also return the two ceilings."""
    command = [sys.executable, __file__, "--inside", "--parts"]
    command += ["--requests", str(requests), "--rounds", str(rounds)]
    if out is not None:
        command += ["--out", str(out)]
    subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=1800)
    return json.loads(out.read_text()) if out is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per case")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--profile", choices=list(CASES))
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--parts", action="store_true", help="time the confirm POST's parts")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    cases = [case for case in options.cases.split(",") if case]
    if unknown := set(cases) - set(CASES):
        sys.exit(f"Unknown cases: {', '.join(sorted(unknown))}")
    if options.profile and options.profile not in cases:
        cases.append(options.profile)
    if options.inside and options.parts:
        measure_parts(options.requests // options.rounds, options.rounds, options.out)
        return
    if options.inside:
        measure(cases, options.requests, options.rounds, options.profile)
        return

    from bench.run import loaded_app, log

    with contextlib.ExitStack() as stack:
        env = loaded_app(stack, Path(tempfile.mkdtemp(prefix="prizevote-cpu-")), options.redis_db)
        log(f"{options.requests} requests per case: {', '.join(cases)}")
        if options.parts:
            parts_ceilings(env, requests=options.requests, rounds=options.rounds)
            return
        command = [sys.executable, __file__, "--inside", "--cases", ",".join(cases)]
        command += ["--requests", str(options.requests), "--rounds", str(options.rounds)]
        if options.profile:
            command += ["--profile", options.profile]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=1800)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
