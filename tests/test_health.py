"""/healthz and /readyz answer load balancers and docker-compose's healthcheck:
by address, in plain HTTP, without cookies; /readyz says 503 and which check
failed when the database, the cache or the migrations are not there."""

import json
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor

from config import health
from tests.factories import dead_redis

# A load balancer probes the app server's own address, not the site's name.
PROBE_HOST = "10.20.30.40"
# What an outage's error says, which must not reach the probe's answer or the log.
ERROR_TEXT = 'connection to server at "db.internal" (10.0.0.9), port 5432 failed: password'


def checks(response) -> dict:
    return json.loads(response.content)["checks"]


def test_liveness_answers_without_touching_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_answers_200_when_the_database_cache_and_migrations_are_there(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_readiness_answers_503_naming_the_database_when_it_is_down(client, caplog):
    with mock.patch("config.health.connection.cursor", side_effect=OperationalError(ERROR_TEXT)):
        response = client.get("/readyz")
        alive = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"
    assert checks(response) == {"database": "failed", "cache": "ok", "migrations": "failed"}
    assert "Readiness check database failed: OperationalError" in caplog.text
    assert "db.internal" not in response.text + caplog.text
    assert alive.status_code == 200  # alive all the same: no restart for an outage


@pytest.mark.django_db
def test_readiness_answers_503_naming_the_cache_when_redis_is_down(client, settings, caplog):
    # A Redis nobody listens on: the error a stopped Redis gives.
    settings.CACHES = dead_redis()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert checks(response) == {"database": "ok", "cache": "failed", "migrations": "ok"}
    assert "Readiness check cache failed: ConnectionError" in caplog.text


@pytest.mark.django_db
def test_readiness_answers_503_while_a_migration_is_not_applied(client, monkeypatch):
    monkeypatch.setattr(health, "migrated", False)
    unapplied = [(mock.Mock(name="voting.0099_new"), False)]

    with mock.patch.object(MigrationExecutor, "migration_plan", return_value=unapplied):
        waiting = client.get("/readyz")
    migrated = client.get("/readyz")

    assert waiting.status_code == 503
    assert checks(waiting) == {"database": "ok", "cache": "ok", "migrations": "failed"}
    assert migrated.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_by_address_is_answered_though_the_address_is_not_an_allowed_host(client, path):
    probed = client.get(path, HTTP_HOST=PROBE_HOST)
    page = client.get("/nb/personvern/", HTTP_HOST=PROBE_HOST)

    assert probed.status_code == 200
    assert page.status_code == 400  # every other address is still refused


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_in_plain_http_is_not_redirected_to_https(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True

    probed = client.get(path)
    page = client.get("/nb/personvern/")

    assert probed.status_code == 200
    assert page.status_code == 301  # the site itself still redirects


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_sets_no_cookie(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="nn")

    assert response.status_code == 200
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers  # nor asks caches to keep a copy per cookie


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_head_answers_a_probe_without_a_body(client, path):
    response = client.head(path, HTTP_HOST=PROBE_HOST)

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
def test_a_probe_of_another_method_is_refused_with_405_and_no_csrf_check(client):
    response = client.post("/readyz", HTTP_HOST=PROBE_HOST)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
