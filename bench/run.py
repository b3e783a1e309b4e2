"""The load benchmark: `make bench`, or

    .venv/bin/python bench/run.py [--quick] [--servers gunicorn,granian] [--workers N]

On 127.0.0.1 only, and stopped again at the end whatever happens, it starts
(through tests/cluster.py, which starts them for the tests too):
- a throwaway PostgreSQL cluster (initdb into a temporary folder, a spare port,
  stock settings, password authentication over TCP for the role "bench" that
  owns the database "prizevote_bench");
- nothing for Redis: the local server at 127.0.0.1:6379 is used, database 13
  (--redis-db), which is flushed before and after, and nothing else;
- the app with the production settings (bench.settings: DJANGO_ENV=production,
  persistent database connections, Redis cache, rate limits on but raised so
  one client IP is never limited) under each app server in turn.

It migrates, loads an open round with six nominees and a closed one, makes
fresh confirmation links, then runs wrk (fixed duration, --timeout 2s, 2
threads, 16 and 64 connections) against the bare ceilings in bench/urls.py
(hello, one-row ORM insert, six-row template), the home page, a nominee page,
the confirm POST (each link used once) and the e-mail request POST (a new
address each time). The cases take turns in rounds (5 of 4 s each), each case
next to its baseline (hello between the two pages, the bare insert between
the two POSTs). Each case's row is its median round; each ratio is the median of the
rounds' ratios, the case beside its baseline of the same round, so the
machine's drift from round to round (up to a factor of 1.6 here) cancels out
instead of landing on one side of a ratio. Last it times count_votes
beside a plain GROUP BY on 1M and 5M generated votes, and prints the figures
and the ratios of the targets.

With --profile CASE (e.g. confirm) py-spy (not a dependency: pip install
py-spy into the venv) samples the first server's workers during that case at
16 connections and prints where the time goes.
"""

import argparse
import contextlib
import dataclasses
import json
import math
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# PostgreSQL and the app servers start as the tests start them.
from bench import cpu, openloop  # noqa: E402
from tests import cluster  # noqa: E402
from tests.cluster import HOST, VENV_BIN  # noqa: E402

BENCH = ROOT / "bench"
APP_SERVER = openloop.APP_SERVER
WRK_THREADS = 2
CONNECTIONS = (16, 64)
# Fresh confirmation links per confirm case: more than any server here can use.
CONFIRM_RATE_CEILING = 3000
BARE_CASES = ("hello", "insert", "rows")
# The order the tables list the cases in.
CASES = ("hello", "home", "nominee", "insert", "confirm", "email", "rows")
# The order they take turns in: each beside its baseline (hello between the
# two pages, the bare insert between the two POSTs), so a ratio's two runs
# are never more than one case apart.
TURNS = ("home", "hello", "nominee", "confirm", "insert", "email", "rows")

# (ratio name, case, baseline case, target): the pages against hello.
RATIO_TARGETS = (
    ("home / hello", "home", "hello", 0.60),
    ("nominee / hello", "nominee", "hello", 0.60),
)
# The POSTs against the bare insert, each within this of its own parts
# ceiling (bench/cpu.py --parts): what the parts the vote's rules require
# leave, measured in the same run.
POST_RATIOS = (("confirm POST / bare insert", "confirm"), ("e-mail POST / bare insert", "email"))
CEILING_MARGIN = 0.05
# The open-loop cases, each offered half its own peak req/s.
OPEN_CASES = ("home", "nominee", "email", "confirm")
OPEN_SHARE_OF_PEAK = 0.5
OPEN_SETTLE_SECONDS = 3
# Then the same load for this long, not counted: the other cases' 40 s leave
# a page's cached copies to expire, and a steady load does not start from an
# empty cache (a cold start renders each fair order of the home page at once,
# about 100 ms of queue in this round's first second).
OPEN_WARMUP_SECONDS = 2
# Between closed-loop cases: the requests the case before left queued (up to
# 64, a sixth of a second of POSTs) are served before the next case's clock
# starts, not inside its time.
CLOSED_SETTLE_SECONDS = 0.5
# The open-loop cases take turns in rounds too; each row is its median round.
OPEN_ROUNDS = 3
COUNT_RATIO_TARGET = 30
LINEAR_RATIO_TARGET = 5.5


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# Redis -----------------------------------------------------------------------


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=5).flushdb()


# App servers -----------------------------------------------------------------


@dataclass
class Profile:
    case: str
    server_pid: int = 0
    output: Path | None = None


@contextlib.contextmanager
def sampling(profile: Profile, seconds: int):
    """py-spy on the app server's workers while the body runs."""
    assert profile.output is not None
    command = [VENV_BIN / "py-spy", "record", "--pid", profile.server_pid, "--subprocesses"]
    command += ["--format", "raw", "--rate", "200", "--duration", max(1, seconds - 1)]
    command += ["--output", profile.output]
    process = cluster.start_process(
        command, env=dict(os.environ), log=profile.output.with_suffix(".log")
    )
    try:
        yield
        process.wait(timeout=seconds + 30)
    finally:
        cluster.stop_process(process)


def print_profile(file: Path, case: str, top: int = 45) -> None:
    """Shares of the sampled time: each function with what it calls (inclusive,
    leaving out the server's own frames above the request), and on its own (self)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")[1:]  # the first is the process
        for frame in set(frames):
            inclusive[frame] += samples
        if frames:
            own[frames[-1]] += samples

    def show(counter: Counter, limit: int) -> None:
        for frame, samples in counter.most_common(limit):
            print(f"  {samples / total:6.1%}  {frame.replace(str(ROOT) + '/', '')}")

    print()
    print(f"Profile of the {case} case, py-spy, {total} samples; inclusive share:")
    below_server = Counter({f: n for f, n in inclusive.items() if n < 0.9 * total})
    show(below_server, top)
    print("Self share:")
    show(own, 20)


@contextlib.contextmanager
def app_server(server: str, workers: int, env: dict, tmp: Path):
    """The app under ``server``, answering: its address and process id."""
    with cluster.app_servers(
        env,
        tmp,
        count=1,
        workers=workers,
        server=server,
        timeout=None,
        extra_args=("--log-level", "warning"),
    ) as started:
        base = f"http://{HOST}:{started.ports[0]}"
        log(f"{server} ({workers} workers) listening on {base}")
        yield base, started.servers[0].process.pid


def csrf_pair(url: str) -> tuple[str, str]:
    """GET a page with the vote form once: the CSRF cookie and the form's token."""
    with urllib.request.urlopen(url, timeout=5) as response:
        html = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    cookie = next((m.group(1) for c in cookies if (m := re.match(r"csrftoken=([^;]+)", c))), None)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if cookie is None or token is None:
        sys.exit(f"No CSRF cookie and token from {url}")
    return cookie, token.group(1)


# wrk -------------------------------------------------------------------------


@dataclass
class Result:
    server: str
    case: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_detail: str
    # req/s of each round, in turn order (for the rounds' ratios).
    rounds: tuple[float, ...] = ()
    # The host's share of the CPUs during the round's turn, and the turns run
    # again before it because the host took too much (openloop.unstolen).
    stolen: float = 0.0
    again: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, *, connections: int, seconds: int, script: str, args: list[str]) -> dict:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s"]
    command += ["--latency", "-s", BENCH / "wrk" / script, url, "--", *args]
    env = {**os.environ, "BENCH_WRK_DIR": str(BENCH / "wrk")}
    output = cluster.run(command, env=env, timeout=seconds + 60)
    line = next((line for line in output.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"wrk gave no figures:\n{output}")
    return json.loads(line.removeprefix("BENCH "))


def measure(server: str, case: str, connections: int, figures: dict) -> Result:
    kinds = ("status", "connect", "read", "write", "timeout")
    errors = sum(figures[kind] for kind in kinds)
    detail = ", ".join(f"{kind} {figures[kind]}" for kind in kinds if figures[kind])
    return Result(
        server=server,
        case=case,
        connections=connections,
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=errors,
        error_detail=detail,
    )


class Tokens:
    """Hands out slices of the file of fresh confirmation paths, never twice."""

    def __init__(self, file: Path, tmp: Path):
        self.lines = file.read_text().splitlines()
        self.position = 0
        self.tmp = tmp

    def take_lines(self, count: int) -> list[str]:
        if self.position + count > len(self.lines):
            sys.exit("Out of fresh confirmation links.")
        self.position += count
        return self.lines[self.position - count : self.position]

    def take(self, count: int) -> Path:
        part = self.tmp / f"confirm-{self.position}.txt"
        part.write_text("\n".join(self.take_lines(count)) + "\n")
        return part


def bench_server(
    cases: list[str],
    server: str,
    base: str,
    paths: dict,
    tokens: Tokens,
    seconds: int,
    rounds: int,
    warmup: int,
    profile: Profile | None,
    open_seconds: int,
    open_rounds: int,
) -> tuple[list[Result], list[openloop.OpenResult]]:
    urls = {
        "hello": f"{base}/bench/hello/",
        "insert": f"{base}/bench/insert/",
        "rows": f"{base}/bench/rows/",
        "home": base + paths["home"],
        "nominee": base + paths["nominee"],
        "confirm": base + "/",
        "email": base + paths["request"],
    }
    # Every worker imports, connects and compiles its templates before the
    # figures count; the public pages land in the shared cache.
    for case in ("hello", "insert", "rows", "home", "nominee"):
        wrk(urls[case], connections=16, seconds=warmup, script="get.lua", args=[])
    cookie, form_token = csrf_pair(urls["nominee"])
    results = []
    for connections in CONNECTIONS:
        # Cases take turns, round after round, so a slow spell of this machine
        # (its speed drifts) hits every case, not only the one it falls on.
        slices: dict[str, list[Result]] = {case: [] for case in cases}

        def one_turn(turn: int, connections=connections) -> list[Result]:
            """Each case once, in TURNS order."""
            turned = []
            for case in (case for case in TURNS if case in cases):
                if case == "confirm":
                    part = tokens.take(CONFIRM_RATE_CEILING * seconds)
                    script = "confirm.lua"
                    args = [cookie, form_token, str(part), str(WRK_THREADS)]
                elif case == "email":
                    tag = f"{server}{connections}{turn}{secrets.token_hex(3)}"
                    script, args = "email.lua", [cookie, form_token, tag]
                else:
                    script, args = "get.lua", []
                sampled = (
                    profile and profile.case == case and connections == CONNECTIONS[0] and turn == 1
                )
                time.sleep(CLOSED_SETTLE_SECONDS)
                with sampling(profile, seconds) if sampled else contextlib.nullcontext():
                    figures = wrk(
                        urls[case],
                        connections=connections,
                        seconds=seconds,
                        script=script,
                        args=args,
                    )
                result = measure(server, case, connections, figures)
                log(
                    f"{server:8} {case:8} c={connections:<3} round {turn}"
                    f" {result.rate:8.0f} req/s  p50 {result.p50_ms:6.1f} ms"
                    f"  p99 {result.p99_ms:6.1f} ms  errors {result.errors}"
                )
                turned.append(result)
            return turned

        for turn in range(1, rounds + 1):
            for result in openloop.unstolen(
                lambda _again, turn=turn: one_turn(turn),
                said=lambda stolen, again, turn=turn, connections=connections: log(
                    f"{server:8} c={connections:<3} round {turn}: the host took {stolen:.0%} of"
                    f" the CPUs, so it is run again ({again} of {openloop.STOLEN_RETRIES})"
                ),
            ):
                slices[result.case].append(result)
        results += [median_round(slices[case]) for case in cases]
    opened = []
    open_cases = [case for case in OPEN_CASES if case in cases] if open_seconds else []
    open_slices: dict[str, list[openloop.OpenResult]] = {case: [] for case in open_cases}
    for turn in range(1, open_rounds + 1):
        for case in open_cases:
            # What the case before left queued (64 connections' worth of
            # POSTs at the end of the closed loop) is served first.
            time.sleep(OPEN_SETTLE_SECONDS)
            peak = max(r.rate for r in results if r.case == case)

            def one_round(span: int, label: str | int, case=case, peak=peak):
                return open_loop(
                    server,
                    case,
                    url=urls[case],
                    rate=OPEN_SHARE_OF_PEAK * peak,
                    seconds=span,
                    tokens=tokens,
                    csrf=(cookie, form_token),
                    turn=label,
                )

            one_round(OPEN_WARMUP_SECONDS, f"{turn} warm-up")
            (result,) = openloop.unstolen(
                lambda again, turn=turn: [one_round(open_seconds, f"{turn}{'-again' * again}")],
                said=lambda stolen, again, case=case, turn=turn: log(
                    f"{server:8} {case:8} open loop round {turn}: the host took {stolen:.0%} of"
                    f" the CPUs, so it is run again ({again} of {openloop.STOLEN_RETRIES})"
                ),
            )
            open_slices[case].append(result)
    opened = [openloop.median_round(open_slices[case]) for case in open_cases]
    return results, opened


def open_loop(
    server: str,
    case: str,
    *,
    url: str,
    rate: float,
    seconds: int,
    tokens: Tokens,
    csrf: tuple[str, str],
    turn: int | str,
) -> openloop.OpenResult:
    """The open-loop run of one case: ``rate`` requests a second for ``seconds``."""
    folder = tokens.tmp / f"open-{server}-{case}-{turn}".replace(" ", "-")
    folder.mkdir()
    cookie, form_token = csrf
    form = f"csrfmiddlewaretoken={form_token}"
    headers = [f"Cookie: csrftoken={cookie}", "Content-Type: application/x-www-form-urlencoded"]
    if case == "confirm":
        paths = tokens.take_lines(math.ceil(rate * seconds))
        requests = [openloop.post(url, path, form, headers) for path in paths]
        result = openloop.with_scheduler(
            server=server, case=case, url=url, rate=rate, requests=requests
        )
    else:
        body = None
        if case == "email":
            # h2load sends one body, so one address: the limit per address is
            # raised for the benchmark (app_env), and still counted.
            body = folder / "body.txt"
            body.write_text(
                f"{form}&website=&email=open-{server}-{secrets.token_hex(3)}%40example.no"
            )
        result = openloop.with_h2load(
            server=server,
            case=case,
            url=url,
            rate=rate,
            seconds=seconds,
            folder=folder,
            headers=headers if body else [],
            body=body,
        )
    log(
        f"{server:8} {case:8} open loop round {turn} {result.offered:6.0f}/s offered"
        f" {result.achieved:6.0f}/s achieved  p50 {result.p50_ms:6.1f} ms"
        f"  p99 {result.p99_ms:6.1f} ms  p99.9 {result.p999_ms:6.1f} ms  errors {result.errors}"
    )
    return result


def median_round(rounds: list[Result]) -> Result:
    """The round with the median req/s, with the errors and the req/s of all rounds."""
    middle = openloop.median_round(rounds, by=lambda result: result.rate)
    return dataclasses.replace(middle, rounds=tuple(result.rate for result in rounds))


def paired_ratio(measured: Result, base: Result) -> tuple[float, float, float]:
    """The median of the rounds' ratios of ``measured`` to ``base`` (each
    round's case beside the baseline that ran next to it), and the least
    and the greatest of them."""
    ratios = [case / baseline for case, baseline in zip(measured.rounds, base.rounds, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def ratio_line(server: str, connections: int, name: str, ratios: tuple, target: str) -> str:
    ratio, least, most = ratios
    spread = f"{least:5.1%}-{most:5.1%}" if least != most else ""
    return f"  {server:9} c={connections:<3} {name:28} {ratio:6.1%} {spread:>11}  (>= {target})"


# Report ----------------------------------------------------------------------


mark = openloop.mark


def report(
    results: list[Result],
    counting: list[dict],
    command: str,
    rounds: int,
    *,
    ceilings: dict,
    opened: list[openloop.OpenResult],
    open_seconds: int,
    open_rounds: int,
) -> None:
    print()
    print(f"Command: {command}")
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    if rounds > 1:
        print(f"Each row: of {rounds} rounds in which the cases took turns, the one with the")
        print("median req/s; errors of all rounds.")
    print()
    print(openloop.STOLEN_NOTE)
    header = f"{'server':9} {'case':8} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    header += f" {'host':>5} {'again':>5}  errors"
    print(header)
    print("-" * len(header))
    for r in results:
        detail = f" ({r.error_detail})" if r.errors else ""
        print(
            f"{r.server:9} {r.case:8} {r.connections:>5} {r.rate:>8.0f} {r.p50_ms:>8.1f}"
            f" {r.p99_ms:>8.1f} {r.stolen:>5.0%} {r.again:>5}  {r.errors}{detail}"
        )
    print()
    by_key = {(r.server, r.case, r.connections): r for r in results}
    if ceilings:
        cpu.print_tables(
            ceilings,
            "the least of two timings in this run (bench/cpu.py --parts), one before"
            f"\nthe load and one after it, each of {cpu.PARTS_ROUNDS} rounds of"
            f" {cpu.PARTS_REQUESTS // cpu.PARTS_ROUNDS} calls",
        )
        print()
        share = {case: f"{figures['ceiling']:.1%}" for case, figures in ceilings.items()}
        print(
            f"Parts ceilings (bench/cpu.py --parts, this run): the confirm POST {share['confirm']}"
            f" and\nthe e-mail POST {share['email']} (the bare insert's share of their CPU at"
            f" best), the home\npage {share['home']} and the nominee page {share['nominee']}"
            " (hello's share of theirs)."
        )
    print(
        f"The targets are judged on {APP_SERVER}, the app server the Dockerfile runs; other"
        "\nservers' lines are for comparison."
    )
    short_of_ceiling = []
    below_ceiling = []
    print("Ratios: the median of the rounds' ratios, each round's case beside its baseline of")
    print("that round, with the least and the greatest of them (target):")
    for server in dict.fromkeys(r.server for r in results):
        for connections in CONNECTIONS:
            for name, case, baseline, target in RATIO_TARGETS:
                measured = by_key.get((server, case, connections))
                base = by_key.get((server, baseline, connections))
                if measured is None or base is None:
                    continue
                ratios = paired_ratio(measured, base)
                wanted = f"{target:.0%}"
                if case in ceilings:
                    top = ceilings[case]["ceiling"]
                    wanted += f"; its ceiling {top:.1%}"
                    if ratios[0] < target and top < target and server == APP_SERVER:
                        short_of_ceiling.append((name, top, target))
                line = ratio_line(server, connections, name, ratios, wanted)
                print(f"{line} {mark(ratios[0] >= target, server)}")
            for name, case in POST_RATIOS:
                measured = by_key.get((server, case, connections))
                base = by_key.get((server, "insert", connections))
                if measured is None or base is None or case not in ceilings:
                    continue
                ratios = paired_ratio(measured, base)
                target = ceilings[case]["ceiling"] - CEILING_MARGIN
                wanted = f"{target:.1%}, its ceiling less {CEILING_MARGIN:.0%}"
                line = ratio_line(server, connections, name, ratios, wanted)
                print(f"{line} {mark(ratios[0] >= target, server)}")
                if ratios[0] < target and server == APP_SERVER:
                    below_ceiling.append((name, case))
        for case in ("confirm", "email"):
            if (server, case, CONNECTIONS[0]) not in by_key:
                continue
            errors = sum(by_key[server, case, c].errors for c in CONNECTIONS)
            met = mark(errors == 0, server)
            print(f"  {server:9}       {case} POST errors {errors:>17}  (0) {met}")
    for name, top, target in dict.fromkeys(short_of_ceiling):
        print(
            f"  Why {name} is not met: the parts its page needs beyond hello's leave"
            f" hello\n  at most {top:.1%} of its CPU, below the {target:.0%} asked (the parts"
            " table above)."
        )
    for name, case in dict.fromkeys(below_ceiling):
        figures = ceilings[case]
        alone, within = cpu.app_parts(figures)
        print(
            f"  Why {name} is not met: its whole request costs {figures['whole_ms']:.3f} ms one"
            f"\n  at a time, {figures['whole_ms'] - figures['least_ms']:.3f} ms more than its"
            " parts and the bare view's frame (the\n  parts table above). Inside the request its"
            f" parts cost the app {within:.3f} ms,\n  {within / alone:.1f}x what they cost it"
            f" alone, and its work outside them"
            f" {figures['inside_whole_ms'] - within:.3f} ms:\n  with the parts at their cost in the"
            f" request, its ceiling is {figures['ceiling_inside']:.1%}."
        )
    if opened:
        openloop.report(opened, open_seconds, rounds=open_rounds, warmup=OPEN_WARMUP_SECONDS)
    if not counting:
        return
    print()
    print(f"Counting (least of {counting[0]['repeats']} runs each, the sizes taking turns):")
    print(f"  {'votes':>9} {'GROUP BY ms':>12} {'count_votes ms':>15} {'ratio':>7}")
    for row in counting:
        ratio = row["count_votes_s"] / row["group_by_s"]
        print(
            f"  {row['votes']:>9} {row['group_by_s'] * 1000:>12.1f}"
            f" {row['count_votes_s'] * 1000:>15.1f} {ratio:>6.1f}x"
        )
    first = counting[0]
    ratio = first["count_votes_s"] / first["group_by_s"]
    print(
        f"  count_votes({first['votes']:,}) / GROUP BY: {ratio:.1f}x"
        f"  (<= {COUNT_RATIO_TARGET}x) {mark(ratio <= COUNT_RATIO_TARGET)}"
    )
    if len(counting) > 1:
        last = counting[-1]
        linear = last["count_votes_s"] / first["count_votes_s"]
        target = LINEAR_RATIO_TARGET * last["votes"] / first["votes"] / 5
        print(
            f"  count_votes({last['votes']:,}) / count_votes({first['votes']:,}): {linear:.2f}x"
            f"  (<= {target:.1f}x) {mark(linear <= target)}"
        )


# Main ------------------------------------------------------------------------


def app_env(postgres: cluster.Postgres, redis_url: str, tmp: Path) -> dict:
    """The environment of the app under test: the production settings on the
    run's PostgreSQL and Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "VOTE_HASH_SECRET": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": postgres.url,
        "DB_CONN_MAX_AGE": "600",
        "REDIS_URL": redis_url,
        "EMAIL_HOST": HOST,  # required by production; bench.settings sends nothing
        "PUBLIC_BASE_URL": f"http://{HOST}",
        "SECURE_SSL_REDIRECT": "0",
        # Checked on every POST, but high enough that one client IP is never limited.
        "RATELIMIT_VOTE_REQUEST": "100000000/m",
        "RATELIMIT_VOTE_CONFIRM": "100000000/m",
        # The open loop's e-mail clients each send one body, one address.
        "RATELIMIT_EMAILS_PER_ADDRESS": "100000000/h",
        "LOG_LEVEL": "WARNING",
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "PYTHONPATH": str(ROOT),
    }


def loaded_app(stack: contextlib.ExitStack, tmp: Path, redis_db: int) -> dict:
    """Start the run's PostgreSQL, flush its Redis database, migrate and load
    the round (tmp/loaded.json); everything is undone when ``stack`` closes.
    Returns the app's environment."""
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    if cluster.postgres_bin() is None:
        sys.exit("PostgreSQL's initdb is not on PATH.")
    postgres = cluster.start_postgres(
        stack.enter_context(cluster.temporary_folder("prizevote-bench-pg-")),
        stack,
        role="bench",
        database="prizevote_bench",
        durable=True,
    )
    log(f"PostgreSQL: {postgres.data}, port {postgres.port}")
    # bench.prepare count writes its votes out before it times the counts.
    postgres.psql(f"GRANT pg_checkpoint TO {postgres.role}")
    redis_url = f"redis://{HOST}:6379/{redis_db}"
    flush_redis(redis_url)
    stack.callback(flush_redis, redis_url)
    env = app_env(postgres, redis_url, tmp)
    log("migrate, collectstatic, load")
    for command in (
        ["manage.py", "migrate", "--noinput"],
        ["manage.py", "collectstatic", "--noinput"],
        ["-m", "bench.prepare", "load", tmp / "loaded.json"],
    ):
        cluster.run([sys.executable, *command], env=env, timeout=600)
    return env


# What the benchmark runs besides the venv's Python packages, and the one
# command that installs them all (the README's "Benchmark" section gives it too).
INSTALL = "apt-get install -y --no-install-recommends wrk nghttp2-client postgresql redis-server"
TOOLS = {
    "wrk": "wrk (the closed-loop load)",
    "h2load": "h2load, of nghttp2-client (the open-loop load)",
    "redis-server": "redis-server",
}


def parts_timing(env: dict, tmp: Path, when: str) -> dict:
    """One timing of the parts (bench/cpu.py --parts), with its ceilings logged."""
    log(f"the pages' and the POSTs' parts, one call at a time, {when} (bench/cpu.py --parts)")
    timing = cpu.time_parts(env, out=tmp / "parts.json")
    shares = ", ".join(
        f"{case} {figures['ceiling']:.1%}" for case, figures in cpu.ceilings(timing).items()
    )
    log(f"ceilings {when}: {shares}")
    return timing


def missing_tools(servers: list[str]) -> str:
    """What the benchmark needs and does not find, with the commands that
    install it, or ""."""
    missing = [what for tool, what in TOOLS.items() if shutil.which(tool) is None]
    if cluster.postgres_bin() is None:
        missing.append("PostgreSQL's initdb (postgresql)")
    lines = []
    if missing:
        lines.append(f"Not installed: {', '.join(missing)}. Install with:\n    {INSTALL}")
    absent = [server for server in servers if not (VENV_BIN / server).exists()]
    if absent:
        lines.append(
            f"Not in the venv: {', '.join(absent)}. Install with:\n    make .venv/.installed-bench"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="one round of 3 s per case, count 1M votes only"
    )
    parser.add_argument("--servers", default="gunicorn,granian")
    # cores + 1 measured best here: the views are CPU-bound in Python, and with
    # wrk and PostgreSQL on the same cores, 2 x cores + 1 workers only add
    # context switches (see docs/benchmarks.md, "App server").
    parser.add_argument(
        "--workers", type=int, default=(os.cpu_count() or 1) + 1, help="default cores + 1"
    )
    parser.add_argument(
        "--seconds", type=int, help="per case and round (default 4, 3 with --quick)"
    )
    parser.add_argument("--rounds", type=int, help="rounds the cases take turns in (default 5)")
    parser.add_argument("--counts", help="votes to count, default 1000000,5000000")
    parser.add_argument("--cases", default=",".join(CASES), help="default: all")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--profile", choices=CASES, help="sample this case with py-spy")
    parser.add_argument(
        "--open-seconds",
        type=int,
        help="per open-loop case and round (default 10, 5 with --quick; 0: no open loop)",
    )
    parser.add_argument(
        "--open-rounds", type=int, help=f"open-loop rounds (default {OPEN_ROUNDS}, 1 with --quick)"
    )
    parser.add_argument(
        "--no-parts", action="store_true", help="leave out the parts ceilings (bench/cpu.py)"
    )
    options = parser.parse_args()
    seconds = options.seconds or (3 if options.quick else 4)
    rounds = options.rounds or (1 if options.quick else 5)
    warmup = 1 if options.quick else 2
    open_seconds = options.open_seconds
    if open_seconds is None:
        open_seconds = 5 if options.quick else 10
    open_rounds = options.open_rounds or (1 if options.quick else OPEN_ROUNDS)
    sizes = options.counts or ("1000000" if options.quick else "1000000,5000000")
    servers = [name for name in options.servers.split(",") if name]
    cases = [name for name in options.cases.split(",") if name]
    if unknown := set(cases) - set(CASES):
        sys.exit(f"Unknown cases: {', '.join(sorted(unknown))}")
    if unknown := set(servers) - {"gunicorn", "granian"}:
        sys.exit(f"Unknown servers: {', '.join(sorted(unknown))}")
    if options.profile and not (VENV_BIN / "py-spy").exists():
        sys.exit(f"--profile needs py-spy: {VENV_BIN / 'pip'} install py-spy")
    if missing := missing_tools(servers):
        sys.exit(missing)
    command = " ".join(["bench/run.py", *sys.argv[1:]])

    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="prizevote-bench-"))
        env = loaded_app(stack, tmp, options.redis_db)
        python = [sys.executable]
        paths = json.loads((tmp / "loaded.json").read_text())["paths"]
        # The closed-loop rounds', then the open loop's at half the ceiling at
        # most; each round may be run again (openloop.unstolen).
        closed = CONFIRM_RATE_CEILING * seconds * rounds * len(CONNECTIONS)
        opened_links = CONFIRM_RATE_CEILING * (open_seconds + OPEN_WARMUP_SECONDS) * open_rounds
        token_count = (closed + opened_links) * len(servers) * (1 + openloop.STOLEN_RETRIES)
        log(f"making {token_count} fresh confirmation links")
        token_file = tmp / "tokens.txt"
        cluster.run(
            [*python, "-m", "bench.prepare", "tokens", token_count, token_file],
            env=env,
            timeout=600,
        )
        tokens = Tokens(token_file, tmp)

        timings = []
        with_parts = not options.no_parts and {"home", "nominee", "confirm", "email"} & set(cases)
        if with_parts:
            timings.append(parts_timing(env, tmp, "before the load"))

        results: list[Result] = []
        opened: list[openloop.OpenResult] = []
        profile = None
        if options.profile:
            profile = Profile(case=options.profile, output=tmp / "profile.txt")
        for server in servers:
            with app_server(server, options.workers, env, tmp) as (base, pid):
                if profile:
                    profile.server_pid = pid
                closed_loop, open_loop_results = bench_server(
                    cases,
                    server,
                    base,
                    paths,
                    tokens,
                    seconds,
                    rounds,
                    warmup,
                    profile,
                    open_seconds,
                    open_rounds,
                )
                results += closed_loop
                opened += open_loop_results
            profile = None  # the first server only

        if with_parts:
            timings.append(parts_timing(env, tmp, "after the load"))
        ceilings = cpu.ceilings(cpu.least_of(timings)) if timings else {}

        counting = []
        if sizes != "0":
            log(f"counting {sizes} generated votes")
            counted_file = tmp / "counted.json"
            count = [*python, "-m", "bench.prepare", "count", sizes, counted_file]
            cluster.run(count, env=env, timeout=1800)
            counting = json.loads(counted_file.read_text())
        for row in counting:
            runs = ", ".join(f"{seconds:.1f}" for seconds in row["count_votes_all_s"])
            log(
                f"{row['votes']} votes generated in {row['generate_s']:.0f} s,"
                f" counted in {runs} s, digest {row['digest'][:12]}"
            )
        report(
            results,
            counting,
            command,
            rounds,
            ceilings=ceilings,
            opened=opened,
            open_seconds=open_seconds,
            open_rounds=open_rounds,
        )
        if options.profile:
            print_profile(tmp / "profile.txt", options.profile)


if __name__ == "__main__":
    main()
