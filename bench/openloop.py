"""Latency at a steady offered rate (open loop), as voters feel it.

A closed-loop run (wrk: each connection sends its next request when the last
one is answered) measures throughput, and its tail is mostly the queue it
builds itself: 64 connections on a server doing 550 requests a second wait
64 / 550 s = 116 ms whatever the app does. Here requests are sent on a
schedule instead, at a fixed rate whatever the latency, each on a connection
of its own (gunicorn's sync workers close every connection after one answer
anyway), and a request's latency runs from when the schedule said to send
it to the end of its answer, so a slow answer delays no later request and no
wait is left out (coordinated omission).

- h2load (Debian's nghttp2-client) sends the pages and the e-mail POST: its
  connection-rate mode (`-r` connections every `--rate-period`, one request
  each) is such a schedule, and `--log-file` gives every request's start,
  status and time. Its `--rps` mode does not keep the rate against a server
  that closes connections (it sends at once after reconnecting), and every
  connection of one run asks for the first URL of its list, so:
- the confirm POST, whose every request needs a confirmation link of its own,
  is sent by ``Scheduler`` below: a small non-blocking client that opens each
  request's connection when it is due. It costs about 0.2 ms of CPU a
  request, four times h2load's, which the confirm POST's rate (the lowest of
  the four) keeps to a few percent of a core.
"""

import dataclasses
import math
import selectors
import socket
import statistics
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit

P99_TARGET_MS = 50
P999_TARGET_MS = 200
# The app server the Dockerfile and docker-compose.yml run: the targets are
# judged on it; another server's figures are printed beside it for comparison.
APP_SERVER = "gunicorn"
TIMEOUT_S = 2  # an answer later than this is an error, as in the wrk runs
# A round in which the host took more than this share of the machine's CPUs
# (steal time, /proc/stat) is run again, up to STOLEN_RETRIES times: this
# virtual machine's host has taken 30-60 % of them for half a minute at a
# time, which put a round's p50 at 600 ms and its p99 at a second.
STOLEN_LIMIT = 0.05
STOLEN_RETRIES = 2


@dataclass
class OpenResult:
    server: str
    case: str
    offered: float
    achieved: float
    requests: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    errors: int
    error_detail: str
    generator: str
    # The host's share of the machine's CPUs during the round (steal), and
    # the rounds run again before it because the host took too much.
    stolen: float = 0.0
    again: int = 0

    @property
    def met(self) -> bool:
        return self.p99_ms < P99_TARGET_MS and self.p999_ms < P999_TARGET_MS and not self.errors


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value that ``share`` of them do not exceed."""
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(
    *,
    server: str,
    case: str,
    generator: str,
    offered: float,
    scheduled: int,
    answers: list[tuple[float, int, float]],
) -> OpenResult:
    """The figures of ``answers``, each (when it was due, HTTP status or 0 for
    none, seconds from due to the end of the answer)."""
    statuses = Counter(status for _, status, _ in answers)
    failed = {status: n for status, n in sorted(statuses.items()) if not 200 <= status < 400}
    detail = [f"HTTP {status} {n}" if status else f"no answer {n}" for status, n in failed.items()]
    if len(answers) < scheduled:
        detail.append(f"not sent {scheduled - len(answers)}")
    latencies = sorted(ms * 1000 for _, status, ms in answers if 200 <= status < 400) or [math.inf]
    first = min((due for due, _, _ in answers), default=0.0)
    last = max((due + took for due, _, took in answers), default=0.0)
    return OpenResult(
        server=server,
        case=case,
        offered=offered,
        achieved=len(answers) / (last - first) if last > first else 0.0,
        requests=scheduled,
        p50_ms=statistics.median(latencies),
        p99_ms=percentile(latencies, 0.99),
        p999_ms=percentile(latencies, 0.999),
        errors=scheduled - (len(answers) - sum(failed.values())),
        error_detail=", ".join(detail),
        generator=generator,
    )


def connection_rate(rate: float) -> tuple[int, int]:
    """h2load's -r and --rate-period (whole ms) nearest ``rate`` a second, in
    the shortest period within 2 % of it: the smallest bursts."""
    for period_ms in range(1, 1001):
        count = max(1, round(rate * period_ms / 1000))
        if abs(count * 1000 / period_ms - rate) <= 0.02 * rate:
            return count, period_ms
    return max(1, round(rate)), 1000


def with_h2load(
    *,
    server: str,
    case: str,
    url: str,
    rate: float,
    seconds: int,
    folder: Path,
    headers: list[str],
    body: Path | None = None,
) -> OpenResult:
    """``rate`` requests a second to ``url`` for ``seconds``, one connection each."""
    count, period_ms = connection_rate(rate)
    total = round(count * 1000 / period_ms * seconds)
    log = folder / f"{case}.tsv"
    command = ["h2load", "--h1", "-r", str(count), "--rate-period", f"{period_ms}ms"]
    command += ["-c", str(total), "-n", str(total), "-t", "1", "--log-file", str(log)]
    command += ["--connection-inactivity-timeout", str(TIMEOUT_S)]
    for header in headers:
        command += ["-H", header]
    if body is not None:
        command += ["-d", str(body)]
    subprocess.run(
        [*command, url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds * 3 + 30,
        check=False,
    )
    answers = []
    for line in log.read_text().splitlines() if log.exists() else []:
        started_us, status, took_us = line.split("\t")[:3]
        answers.append((int(started_us) / 1e6, int(status), int(took_us) / 1e6))
    return summary(
        server=server,
        case=case,
        generator="h2load",
        offered=count * 1000 / period_ms,
        scheduled=total,
        answers=answers,
    )


class Scheduler:
    """Sends prepared HTTP/1.1 requests, each on a connection of its own
    opened when it is due (every 1/rate s), with no regard to the answers."""

    def __init__(self, url: str, requests: list[bytes], rate: float):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port or 80)
        self.requests = requests
        self.rate = rate
        self.selector = selectors.DefaultSelector()
        self.answers: list[tuple[float, int, float]] = []

    def run(self) -> list[tuple[float, int, float]]:
        start = perf_counter() + 0.05
        sent = 0
        while sent < len(self.requests) or self.selector.get_map():
            now = perf_counter()
            while sent < len(self.requests) and start + sent / self.rate <= now:
                self.open(self.requests[sent], due=start + sent / self.rate)
                sent += 1
            due = start + sent / self.rate
            wait = max(0.0, min(0.005, due - now)) if sent < len(self.requests) else 0.005
            for key, events in self.selector.select(wait):
                self.step(key.fileobj, key.data, events)
            now = perf_counter()
            for key in list(self.selector.get_map().values()):
                if now - key.data["due"] > TIMEOUT_S:
                    self.done(key.fileobj, key.data, status=0)
        return self.answers

    def open(self, request: bytes, *, due: float) -> None:
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        connection.setblocking(False)
        connection.connect_ex(self.address)
        state = {"due": due, "out": request, "in": bytearray()}
        self.selector.register(connection, selectors.EVENT_WRITE, state)

    def step(self, connection: socket.socket, state: dict, events: int) -> None:
        try:
            if events & selectors.EVENT_WRITE:
                state["out"] = state["out"][connection.send(state["out"]) :]
                if not state["out"]:
                    self.selector.modify(connection, selectors.EVENT_READ, state)
                return
            data = connection.recv(1 << 18)
        except OSError:
            self.done(connection, state, status=0)
            return
        if data:
            state["in"] += data
            return
        # The server closed the connection: the answer is complete.
        head = bytes(state["in"][:12])
        self.done(connection, state, status=int(head[9:12]) if head[:5] == b"HTTP/" else 0)

    def done(self, connection: socket.socket, state: dict, *, status: int) -> None:
        self.answers.append((state["due"], status, perf_counter() - state["due"]))
        self.selector.unregister(connection)
        connection.close()


def with_scheduler(
    *, server: str, case: str, url: str, rate: float, requests: list[bytes]
) -> OpenResult:
    answers = Scheduler(url, requests, rate).run()
    return summary(
        server=server,
        case=case,
        generator="scheduler",
        offered=rate,
        scheduled=len(requests),
        answers=answers,
    )


def post(url: str, path: str, body: str, headers: list[str]) -> bytes:
    """A POST of ``body`` to ``path`` as a browser form sends it, asking the
    server to close the connection after its answer."""
    host = urlsplit(url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Connection: close", *headers]
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


STOLEN_NOTE = (
    "host: the share of the CPUs the host took (steal) during the row's round; a"
    f"\nround in which it took more than {STOLEN_LIMIT:.0%} was run again, up to"
    f" {STOLEN_RETRIES} times\n(again: how often, over the row's rounds)."
)


def cpu_jiffies() -> tuple[int, int]:
    """The machine's CPU time so far, in jiffies: (stolen by the host, all)."""
    fields = [int(field) for field in Path("/proc/stat").read_text().split()[1:9]]
    return fields[7], sum(fields)


def stolen_since(start: tuple[int, int]) -> float:
    """The host's share of the machine's CPU time since ``start`` (cpu_jiffies)."""
    steal, total = cpu_jiffies()
    return (steal - start[0]) / max(1, total - start[1])


def unstolen(run: Callable[[int], list], *, said: Callable[[float, int], None]) -> list:
    """``run(again)``'s results (a round; ``again``: how often it was run
    before), run again while the host took more than STOLEN_LIMIT of the
    CPUs, STOLEN_RETRIES times at most; each result gets the share the host
    took and how often it was run again. ``said(share, again)`` is told of
    each round that is run again."""
    again = 0
    while True:
        start = cpu_jiffies()
        results = run(again)
        stolen = stolen_since(start)
        if stolen <= STOLEN_LIMIT or again == STOLEN_RETRIES:
            return [dataclasses.replace(result, stolen=stolen, again=again) for result in results]
        again += 1
        said(stolen, again)


def median_round(rounds: list, *, by: Callable = lambda result: result.p99_ms):
    """The round with the median ``by`` (p99 unless told), with the errors of
    all rounds and how often they were run again; for the closed loop's
    results too."""
    middle = sorted(rounds, key=by)[(len(rounds) - 1) // 2]
    errors = sum(result.errors for result in rounds)
    detail = "; ".join(result.error_detail for result in rounds if result.error_detail)
    again = sum(result.again for result in rounds)
    return dataclasses.replace(middle, errors=errors, error_detail=detail, again=again)


def mark(met: bool, server: str = APP_SERVER) -> str:
    """Whether a target is met; on another server than APP_SERVER, for
    comparison only."""
    if server != APP_SERVER:
        return "comparison, met" if met else "comparison, not met"
    return "met" if met else "NOT MET"


def report(results: list[OpenResult], seconds: int, *, rounds: int = 1, warmup: int = 0) -> None:
    print()
    print(
        f"Open loop ({seconds} s per case and round, one connection per request, sent by"
        "\nh2load or, for the confirm POST, bench/openloop.py's scheduler): offered is half"
        "\nthe case's peak req/s above; latency runs from when a request was due to the end"
        f"\nof its answer; errors are anything but 2xx/3xx, or no answer within {TIMEOUT_S} s."
    )
    if rounds > 1:
        print(
            f"Each row: of {rounds} rounds in which the cases took turns, the one with the"
            "\nmedian p99; errors of all rounds."
        )
    if warmup:
        print(f"Each case's round came after {warmup} s of the same load, not counted.")
    print(STOLEN_NOTE)
    header = (
        f"{'server':9} {'case':8} {'offered/s':>9} {'achieved/s':>10} {'p50 ms':>7}"
        f" {'p99 ms':>7} {'p99.9 ms':>8} {'host':>5} {'again':>5}  errors"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        detail = f" ({r.error_detail})" if r.errors else ""
        print(
            f"{r.server:9} {r.case:8} {r.offered:>9.0f} {r.achieved:>10.0f} {r.p50_ms:>7.1f}"
            f" {r.p99_ms:>7.1f} {r.p999_ms:>8.1f} {r.stolen:>5.0%} {r.again:>5}  {r.errors}{detail}"
        )
    print()
    print(f"Open-loop targets: p99 < {P99_TARGET_MS} ms, p99.9 < {P999_TARGET_MS} ms, no errors:")
    for r in results:
        print(
            f"  {r.server:9} {r.case:8} p99 {r.p99_ms:6.1f} ms, p99.9 {r.p999_ms:6.1f} ms,"
            f" errors {r.errors}: {mark(r.met, r.server)}"
        )
