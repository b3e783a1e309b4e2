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
bare view it could reach if everything else it does cost nothing. Each
figure is the CPU of this process and of its PostgreSQL backend and the
Redis server (their /proc/<pid>/schedstat), whose share has a column of its
own: under load they share the machine's cores with the app. The POSTs'
parts are also timed inside their whole requests, each function that does
one wrapped in a CPU timer where the view calls it (InRequest), which shows
what a part costs there and what the request does outside its parts.
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
# The names of the POSTs' parts that are timed both alone and in the request.
CSRF_CHECK = "CSRF check"
SHARED_NETWORK = "shared network (1 Redis read)"
PER_IP = "rate limit per IP (django-ratelimit)"
PER_ADDRESS = "rate limit per address (django-ratelimit)"
NOMINEE_AND_PAGE = "nominee + page (1 Redis read)"
NOMINEE_AND_PHASE = "nominee (1 Redis read) + phase check"
FORM_CHECKS = "form and address checks"
LINK_MADE = "link token made (Fernet) + its URL"


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


def least_per_call(
    calls: dict[str, Callable[[], object]],
    *,
    each: int,
    rounds: int,
    servers: Callable[[], tuple[object, int]] | None = None,
) -> dict[str, tuple[float, float]]:
    """CPU ms per call of each callable, over ``rounds`` rounds in which they
    take turns (so a slow spell of the machine hits them all): this process's
    and, with ``servers`` (which servers, and their CPU ns so far), theirs,
    from the round in which the two came to least. A round in which the
    servers changed (a new database connection) is not counted."""
    servers = servers or (lambda: (None, 0))
    for call in calls.values():
        for _ in range(50):
            call()
    spent: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            which, served = servers()
            started = time.process_time()
            for _ in range(each):
                call()
            own = (time.process_time() - started) / each * 1000
            still, now = servers()
            if still == which:
                spent[name].append((own, (now - served) / each / 1e6))
    return {name: min(figures, key=sum) for name, figures in spent.items()}


def servers_cpu() -> Callable[[], tuple[object, int]]:
    """This process's PostgreSQL backend and the Redis server (their pids),
    and their CPU ns so far, from /proc (schedstat: nanoseconds on a CPU):
    what a part costs them is CPU the app's requests share the machine's
    cores with."""
    from django.db import connection
    from django_redis import get_redis_connection

    redis_pid = get_redis_connection("default").info("server")["process_id"]

    def on_cpu(pid: int) -> int:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])

    def backend() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def spent() -> tuple[object, int]:
        # The backend is asked for each time: a connection the requests
        # closed and opened again has a new one.
        pid = backend()
        return (pid, redis_pid), on_cpu(pid) + on_cpu(redis_pid)

    return spent


def ceiling(
    parts: dict[str, float],
    *,
    bare: dict[str, float],
    whole: float,
    servers: dict[str, float] | None = None,
    inside: dict[str, float] | None = None,
    bare_inside: dict[str, float] | None = None,
) -> dict:
    """What ``parts`` leave: the case's least CPU if nothing else it does cost
    anything (the bare view's whole request, less what the bare view does in
    their place, plus the parts), and the bare view's share of that, the best
    ratio the case can reach. ``bare`` is the bare view's two lines, what it
    does in the parts' place and its whole request; ``whole`` the case's own
    whole request. Each figure is the CPU of the app's process and of the
    database and cache servers together; ``servers`` is theirs alone, by the
    same names. ``inside`` and ``bare_inside`` are the app's CPU for the same
    parts inside the case's and the bare view's whole requests (InRequest),
    each with its timed whole request: the ceiling again from those, with the
    servers' CPU as above."""
    (bare_name, bare_part), (_, bare_request) = bare.items()
    extra = sum(parts.values()) - bare_part
    least = bare_request + extra
    servers = servers or dict.fromkeys([*parts, *bare, WHOLE], 0.0)
    figures = {
        "parts": parts,
        "bare": bare,
        "servers": servers,
        "extra_ms": extra,
        "least_ms": least,
        "ceiling": bare_request / least,
        "whole_ms": whole,
        "bare_ms": bare_request,
    }
    if inside is not None:
        in_parts = {part: inside[part] for part in parts}
        in_total = sum(ms + servers[part] for part, ms in in_parts.items())
        bare_in_total = bare_inside[bare_name] + servers[bare_name]
        figures |= {
            "inside": in_parts,
            "inside_whole_ms": inside[WHOLE],
            "bare_inside": {bare_name: bare_inside[bare_name], WHOLE: bare_inside[WHOLE]},
            "ceiling_inside": bare_request / (bare_request - bare_in_total + in_total),
        }
    return figures


def least_of(timings: list[dict]) -> dict:
    """One timing of the parts from several (as measure_parts writes them):
    each line's least figure over all of them, with the servers' share of
    that one. A slow spell of the machine during one timing (the insert's
    whole request has measured 0.6 to 1.29 ms in one process) moves no
    ceiling."""
    first = timings[0]
    least = {name: min(timings, key=lambda t, name=name: t["all"][name]) for name in first["all"]}
    return {
        "cases": first["cases"],
        "all": {name: timing["all"][name] for name, timing in least.items()},
        "servers": {name: timing["servers"][name] for name, timing in least.items()},
        "inside": {
            case: {name: min(t["inside"][case][name] for t in timings) for name in figures}
            for case, figures in first["inside"].items()
        },
    }


CASE_NAMES = {
    "confirm": "confirm POST",
    "email": "e-mail POST",
    "home": "home page",
    "nominee": "nominee page",
}


def print_parts(case: str, figures: dict) -> None:
    """The parts table of ``case``: its parts, then the bare view's lines
    (what it does in their place, then its whole request), then the case's
    own whole request, measured beside them: the CPU of all, the servers'
    share of it, and for a POST the app's CPU inside the whole request."""
    whole = figures["whole_ms"]
    servers = figures["servers"]
    inside = figures.get("inside", {})
    bare_inside = figures.get("bare_inside", {})
    header = f"\n{'part of the ' + case:42} {'all ms':>7} {'servers':>8}"
    print(header + (f" {'app in request':>15}" if inside else ""))
    (bare_part, bare_ms), (bare_whole, bare_whole_ms) = figures["bare"].items()
    rows = [
        *((name, ms, inside.get(name)) for name, ms in figures["parts"].items()),
        (bare_part, bare_ms, bare_inside.get(bare_part)),
        (bare_whole, bare_whole_ms, bare_inside.get(WHOLE)),
        (WHOLE, whole, figures.get("inside_whole_ms")),
    ]
    for name, ms, within in rows:
        label = f"the {case}: whole request" if name == WHOLE else name
        line = f"{label:42} {ms:7.3f} {servers[name]:8.3f}"
        print(line + (f" {within:15.3f}" if within is not None else ""))
    print(
        f"(all: the app's process and the PostgreSQL and Redis servers; servers: theirs.)"
        f"\nThe parts cost {figures['extra_ms']:.3f} ms more than what the bare view does in"
        f" their\nplace. If nothing else the {case} does cost anything, it costs"
        f" {figures['least_ms']:.3f} ms,\nand the bare view {figures['ceiling']:.1%} of it:"
        f" the {case}'s ceiling. Its whole request\ncosts {whole:.3f} ms: the rest of what it"
        f" does comes to {whole - figures['least_ms']:.3f} ms, and the\nbare view is"
        f" {figures['bare_ms'] / whole:.1%} of it, one request at a time."
    )
    if not inside:
        return
    alone, within = app_parts(figures)
    print(
        f"In the request (the parts' functions timed as the view calls them, its whole"
        f"\nrequest {figures['inside_whole_ms']:.3f} ms of the app's CPU with those timers) the"
        f" parts cost the app\n{within:.3f} ms, {within / alone:.1f}x the {alone:.3f} ms they"
        f" cost it alone, and what it does\noutside them (middleware, the form's parsing, the"
        f" answer) comes to"
        f" {figures['inside_whole_ms'] - within:.3f} ms.\nWith its parts and the bare view's"
        f" insert at their cost in the request, the\n{case}'s ceiling is"
        f" {figures['ceiling_inside']:.1%}."
    )


def app_parts(figures: dict) -> tuple[float, float]:
    """What a POST's parts cost the app's process: alone, and inside its
    whole request."""
    alone = sum(ms - figures["servers"][name] for name, ms in figures["parts"].items())
    return alone, sum(figures["inside"].values())


class InRequest:
    """The parts as they cost inside whole requests: the functions that do
    them, as the views call them, wrapped in a CPU timer while a case's whole
    requests run. Each part is charged its functions' CPU less that of the
    wrapped functions they call, so a part inside another is not counted
    twice."""

    def __init__(self):
        self.spent: dict[str, float] = {}
        self.inner: list[float] = []  # per open call: CPU of the wrapped calls it made

    @contextlib.contextmanager
    def timing(self, wraps: list[tuple]):
        """While open, the function at each (part, owner, attribute) of
        ``wraps`` is charged to its part; a part's name may be a function of
        the call's arguments."""
        with contextlib.ExitStack() as undo:
            for part, owner, attribute in wraps:
                function = getattr(owner, attribute)
                undo.callback(setattr, owner, attribute, function)
                setattr(owner, attribute, self.timed(function, part))
            yield self

    def timed(self, function: Callable, part) -> Callable:
        def call(*args, **kwargs):
            self.inner.append(0.0)
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.process_time() - started
                name = part(*args, **kwargs) if callable(part) else part
                self.spent[name] = self.spent.get(name, 0.0) + spent - self.inner.pop()
                if self.inner:
                    self.inner[-1] += spent

        return call

    def per_call(self, whole: Callable, *, each: int, rounds: int) -> dict[str, float]:
        """Each part's CPU ms per request of ``whole``, and the whole
        request's, from the round whose whole requests cost least."""
        best = None
        for _ in range(rounds):
            self.spent.clear()
            started = time.process_time()
            for _ in range(each):
                whole()
            figures = {name: ms / each * 1000 for name, ms in self.spent.items()}
            figures[WHOLE] = (time.process_time() - started) / each * 1000
            if best is None or figures[WHOLE] < best[WHOLE]:
                best = figures
        return best


WHOLE = "whole request"


def measure_parts(calls: int, rounds: int, out: Path | None, *, quiet: bool = False) -> None:
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
        CSRF_CHECK,
        lambda: csrf.process_view(next(unchecked), lambda request: None, (), {}),
    )
    shared_network = (SHARED_NETWORK, lambda: shared_networks.containing(ip))

    def per_ip(group: str, setting: str) -> tuple[str, Callable[[], object]]:
        # The request keeps the shared network it was found in: this part
        # reads it from there, as the view does after the part above.
        return (
            PER_IP,
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
            NOMINEE_AND_PAGE,
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
            NOMINEE_AND_PHASE,
            lambda: published_nomination(OPEN_YEAR, slug).round.voting_is_open(),
        ),
        (FORM_CHECKS, lambda: VoteRequestForm(QueryDict(body)).is_valid()),
        (
            PER_ADDRESS,
            lambda: ratelimits.emails_to_address_limited(
                request, next(addresses), round_id=nomination.round_id
            ),
        ),
        (
            LINK_MADE,
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
    links = iter(
        [
            reverse(
                "voting:confirm",
                args=[confirmation.make_token(nomination=nomination, address=address)],
            )
            for address in itertools.islice(addresses, 2 * (60 + calls * rounds))
        ]
    )
    request_path = reverse("voting:request", kwargs={"year": OPEN_YEAR, "slug": slug})

    def new_voter() -> Client:
        voter = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
        voter.cookies[settings.CSRF_COOKIE_NAME] = secret
        return voter

    def posts(voter: Client) -> dict[str, Callable[[], object]]:
        return {
            "confirm": lambda: voter.post(next(links), form, content_type=FORM),
            "email": lambda: voter.post(
                request_path,
                f"{form}&website=&email={next(addresses).replace('@', '%40')}",
                content_type=FORM,
            ),
            "insert": lambda: voter.get("/bench/insert/"),
        }

    visitor = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")

    def first_visit(path: str) -> Callable[[], object]:
        def get():
            visitor.cookies.clear()
            return visitor.get(path)

        return get

    whole = {
        **posts(new_voter()),
        "home": first_visit(reverse("nominees:home")),
        "nominee": first_visit(nomination.get_absolute_url()),
    }
    bare_insert = {
        "bare view: its ORM insert": lambda: BenchRow.objects.create(
            created_at=timezone.now(), payload="bench"
        ),
        "bare view: whole request": whole["insert"],
    }
    home_parts, nominee_parts, bare_hello = page_parts(client, factory, nomination)
    cases = (
        ("confirm", confirm_parts, bare_insert),
        ("email", email_parts, bare_insert),
        ("home", home_parts, bare_hello),
        ("nominee", nominee_parts, bare_hello),
    )
    # Every part once, all taking turns: the parts the cases share are timed once.
    calls_by_name = {}
    for name, parts, bare in cases:
        calls_by_name |= {**dict(parts), **bare, f"{name}: whole request": whole[name]}
    spent = least_per_call(calls_by_name, each=calls, rounds=rounds, servers=servers_cpu())
    # The POSTs' parts (and the bare view's insert) inside their whole requests.
    inside = {}
    timer = InRequest()
    for case, wraps in in_request_wraps(bare_insert).items():
        with timer.timing(wraps):
            # A new client loads the middleware, so its CSRF check is the wrapped one.
            send = posts(new_voter())[case]
            for _ in range(50):
                send()
            inside[case] = timer.per_call(send, each=calls, rounds=rounds)
    timing = {
        "cases": {name: ([part for part, _ in parts], list(bare)) for name, parts, bare in cases},
        "all": {name: own + served for name, (own, served) in spent.items()},
        "servers": {name: served for name, (_own, served) in spent.items()},
        "inside": inside,
    }
    if not quiet:
        print_tables(ceilings(timing), f"least of {rounds} rounds of {calls} calls")
    if out is not None:
        out.write_text(json.dumps(timing))


def ceilings(timing: dict) -> dict:
    """Each case's ceiling and parts table (``ceiling``) from a timing of the
    parts as measure_parts writes it."""
    every, servers, inside = timing["all"], timing["servers"], timing["inside"]
    figures = {}
    for case, (parts, bare) in timing["cases"].items():
        whole = f"{case}: whole request"
        figures[case] = ceiling(
            {part: every[part] for part in parts},
            bare={line: every[line] for line in bare},
            whole=every[whole],
            servers={**{line: servers[line] for line in [*parts, *bare]}, WHOLE: servers[whole]},
            inside=inside.get(case),
            bare_inside=inside["insert"] if case in inside else None,
        )
    return figures


def print_tables(ceilings: dict, how: str) -> None:
    print(f"\nCPU per call, {how}")
    for name, figures in ceilings.items():
        print_parts(CASE_NAMES[name], figures)
    print(
        "\n(Under load the app server's own cost per request, the same for the case and the"
        "\nbare view, raises the measured ratio somewhat above these ceilings.)"
    )


def in_request_wraps(bare_insert: dict) -> dict[str, list[tuple]]:
    """For each POST and the bare insert: (part, owner, attribute) for each
    function that does a part of it, as its view calls it (bench/cpu.py
    InRequest). The names are the parts' own in the parts tables."""
    from django.middleware.csrf import CsrfViewMiddleware

    from bench.views import BenchRow
    from config import pagecache
    from nominees.models import PrizeRound
    from voting import confirmation, identity, mail, ratelimits, services, shared_networks
    from voting.forms import VoteRequestForm
    from website.views import votes

    def per_ip_or_address(*args, group: str, **kwargs) -> str:
        return PER_ADDRESS if group == "vote-email" else PER_IP

    both = [
        (CSRF_CHECK, CsrfViewMiddleware, "process_view"),
        (SHARED_NETWORK, shared_networks, "containing"),
        (per_ip_or_address, ratelimits, "usage"),
    ]
    bare_part = next(iter(bare_insert))
    return {
        "confirm": [
            *both,
            ("link token read (Fernet)", confirmation, "read_token"),
            ("network hash", identity, "network_hash"),
            (NOMINEE_AND_PAGE, pagecache.Shared, "__init__"),
            (NOMINEE_AND_PAGE, votes, "published_nomination_by_pk"),
            ("phase check + vote insert", services, "cast_vote"),
        ],
        "email": [
            *both,
            (NOMINEE_AND_PHASE, votes, "published_nomination"),
            (NOMINEE_AND_PHASE, PrizeRound, "voting_is_open"),
            (FORM_CHECKS, VoteRequestForm, "__init__"),
            (FORM_CHECKS, VoteRequestForm, "is_valid"),
            (PER_ADDRESS, ratelimits, "emails_to_address_limited"),
            (LINK_MADE, confirmation, "make_token"),
            (LINK_MADE, votes, "public_url"),
            (LINK_MADE, votes, "reverse"),
            ("address and link sealed (2 Fernet)", confirmation, "seal"),
            ("enqueue (django-tasks-db)", type(mail.send_confirmation), "enqueue"),
        ],
        "insert": [(bare_part, BenchRow.objects, "create")],
    }


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


# What --parts times by default: this many calls of each, in this many rounds.
PARTS_REQUESTS = 2000
PARTS_ROUNDS = 5


def time_parts(
    env: dict,
    *,
    requests: int = PARTS_REQUESTS,
    rounds: int = PARTS_ROUNDS,
    out: Path | None = None,
) -> dict | None:
    """Time the parts in the app's environment ``env`` (a process of its own,
    as the app runs). With ``out``, return the timing (for ``ceilings``) and
    print nothing (bench/run.py prints the least of its timings); else print
    the tables."""
    command = [sys.executable, __file__, "--inside", "--parts"]
    command += ["--requests", str(requests), "--rounds", str(rounds)]
    if out is not None:
        command += ["--out", str(out), "--quiet"]
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
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    cases = [case for case in options.cases.split(",") if case]
    if unknown := set(cases) - set(CASES):
        sys.exit(f"Unknown cases: {', '.join(sorted(unknown))}")
    if options.profile and options.profile not in cases:
        cases.append(options.profile)
    if options.inside and options.parts:
        calls = options.requests // options.rounds
        measure_parts(calls, options.rounds, options.out, quiet=options.quiet)
        return
    if options.inside:
        measure(cases, options.requests, options.rounds, options.profile)
        return

    from bench.run import loaded_app, log

    with contextlib.ExitStack() as stack:
        env = loaded_app(stack, Path(tempfile.mkdtemp(prefix="prizevote-cpu-")), options.redis_db)
        log(f"{options.requests} requests per case: {', '.join(cases)}")
        if options.parts:
            time_parts(env, requests=options.requests, rounds=options.rounds)
            return
        command = [sys.executable, __file__, "--inside", "--cases", ",".join(cases)]
        command += ["--requests", str(options.requests), "--rounds", str(options.rounds)]
        if options.profile:
            command += ["--profile", options.profile]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=1800)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
