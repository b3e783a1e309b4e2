"""``/healthz`` and ``/readyz``, for load balancers and docker-compose's
healthcheck.

- ``/healthz``: the app server answers (liveness). It touches nothing else, so
  an outage of PostgreSQL or Redis never gets the app servers restarted.
- ``/readyz``: PostgreSQL answers, the cache (Redis) keeps a value, and every
  migration is applied (readiness); 503 otherwise. The JSON body names each
  check and whether it passed, never an error message (those may name hosts,
  users or addresses): the log line says which error it was.

A middleware near the front of MIDDLEWARE answers them, before anything that
could refuse or change a probe: the Host check (a load balancer probes the
server's address, which is not in ALLOWED_HOSTS; Django checks it in the first
middleware that asks for the host), the HTTPS redirect (probes speak plain
HTTP to the app server), sessions, CSRF and the language cookie. So no cookie
is set, and no rate limit applies. Hand-written rather than django-health-check:
its views would sit behind all of that, so this middleware would be needed
anyway, and what the package would add beyond it are the three small checks
below (its database check writes a row of its own table on every probe)."""

import json
import logging
import os
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

logger = logging.getLogger(__name__)

# Once every migration is found applied, this process keeps that: a migration
# is only ever added with new code, which runs in a new process. Until then
# (the app started before `migrate` finished) each probe looks again.
migrated = False


def database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def cache_works() -> bool:
    # A key of this process's own, so two servers' probes never mix.
    key, value = f"readyz:{os.getpid()}", secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    return cache.get(key) == value


def migrations() -> bool:
    global migrated
    if not migrated:
        executor = MigrationExecutor(connection)
        migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return migrated


def passes(name: str, check: Callable[[], bool]) -> bool:
    try:
        if check():
            return True
        logger.warning("Readiness check %s failed", name)
    except Exception as error:
        # Only the error's type: its text may name a host, a user or an address.
        logger.warning("Readiness check %s failed: %s", name, type(error).__name__)
    return False


def liveness() -> HttpResponse:
    return answer({"status": "ok"}, status=200)


def readiness() -> HttpResponse:
    results = {"database": passes("database", database), "cache": passes("cache", cache_works)}
    # Which migrations are applied is read from the database: not asked when it is down.
    results["migrations"] = results["database"] and passes("migrations", migrations)
    ready = all(results.values())
    return answer(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: "ok" if passed else "failed" for name, passed in results.items()},
        },
        status=200 if ready else 503,
    )


def answer(body: dict, *, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body) + "\n", status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, Callable[[], HttpResponse]] = {"/healthz": liveness, "/readyz": readiness}


def health_checks(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Answer the probes (GET and HEAD; head_without_body, outside this one,
    drops the body of HEAD) and pass every other request on."""

    def middleware(request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return probe()

    return middleware
