"""The configuration: a clean check on the embedded default, and production
refusing to start without its secrets."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.cluster import PRODUCTION_ENV, manage

ROOT = Path(__file__).resolve().parent.parent

# check --deploy wants a key that looks random (W009), unlike "x" * 60.
DEPLOY_SECRET_KEY = "k7Qz-2mVx9_Lp4RwTt8NbYc3HsJd6FgA1eUiOo5Kq0ZlMnBvCxWy"


def test_check_is_clean_on_the_embedded_default():
    result = manage("check", "--fail-level", "WARNING", env={})

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_ratelimit_check_still_rejects_a_cache_whose_counters_are_not_atomic(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": "/tmp/x",
        }
    }
    settings.SILENCED_SYSTEM_CHECKS = []
    with pytest.raises(SystemCheckError, match=r"django_ratelimit\.E003"):
        call_command("check")


def test_production_with_redis_passes_the_ratelimit_checks_unsilenced():
    result = manage("check", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "VOTE_HASH_SECRET",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "PUBLIC_BASE_URL",
    ],
)
def test_production_refuses_to_start_without_its_settings(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


PRINT_PUBLIC_BASE_URL = "from django.conf import settings; print(settings.PUBLIC_BASE_URL)"


@pytest.mark.parametrize(
    "address",
    [
        "stem.imdi.no",
        "ftp://stem.imdi.no",
        "https://stem.imdi.no/stem/",
        "https://stem.imdi.no/?neste=/",
        "https://kari@stem.imdi.no",
        "https://stem.imdi.no:port",
    ],
)
def test_production_refuses_a_public_address_that_is_not_just_scheme_and_host(address):
    result = manage("check", env={**PRODUCTION_ENV, "PUBLIC_BASE_URL": address})

    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be the site's address" in result.stderr


def test_the_public_address_is_kept_without_its_trailing_slash():
    env = {**PRODUCTION_ENV, "PUBLIC_BASE_URL": "https://stem.imdi.no:8443/"}

    result = manage("shell", "-c", PRINT_PUBLIC_BASE_URL, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "https://stem.imdi.no:8443"


def test_production_redirects_plain_http_to_the_public_address_whatever_the_host_header():
    script = (
        "from django.test import Client; "
        "r = Client().get('/nb/', headers={'host': 'stem.imdi.no:9999'}); "
        "print(r.status_code, r['Location'])"
    )
    env = {**PRODUCTION_ENV, "DJANGO_ALLOWED_HOSTS": "stem.imdi.no"}

    result = manage("shell", "-c", script, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "301 https://stem.imdi.no/nb/"


def test_the_local_run_links_to_its_own_server_by_default():
    result = manage("shell", "-c", PRINT_PUBLIC_BASE_URL, env={})

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "http://127.0.0.1:8000"


def test_check_deploy_is_clean_with_the_documented_production_variables():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": DEPLOY_SECRET_KEY}

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_the_second_factor_by_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ADMIN_REQUIRE_2FA)",
        env=PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "True"


def test_production_refuses_to_start_with_the_second_factor_switched_off():
    result = manage("check", env={**PRODUCTION_ENV, "ADMIN_REQUIRE_2FA": "0"})

    assert result.returncode != 0
    assert "ADMIN_REQUIRE_2FA cannot be turned off in production" in result.stderr


def test_vote_hash_secret_must_differ_from_the_secret_key():
    result = manage("check", env={**PRODUCTION_ENV, "VOTE_HASH_SECRET": "x" * 60})

    assert result.returncode != 0
    assert "VOTE_HASH_SECRET must differ" in result.stderr


SECURE_BY_FORWARDED_PROTO = (
    "from django.test import RequestFactory; "
    "request = RequestFactory().get("
    "'/', HTTP_HOST='stem.imdi.no', HTTP_X_FORWARDED_PROTO='https'); "
    "print(request.is_secure())"
)


def test_without_a_proxy_a_client_sending_x_forwarded_proto_is_not_taken_for_https():
    result = manage(
        "shell",
        "-c",
        SECURE_BY_FORWARDED_PROTO,
        env={**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "0"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"


def test_behind_a_trusted_proxy_its_x_forwarded_proto_marks_the_request_https():
    result = manage(
        "shell",
        "-c",
        SECURE_BY_FORWARDED_PROTO,
        env={**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "1"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "True"


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_check_deploy_is_clean_with_and_without_a_trusted_proxy(proxies):
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": DEPLOY_SECRET_KEY, "TRUSTED_PROXY_COUNT": proxies}

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Switches: every boolean variable reads the same spellings the same way.

LOCAL_SWITCHES = "from django.conf import settings as s; print(s.DEBUG, s.ADMIN_REQUIRE_2FA)"
PRODUCTION_SWITCHES = (
    "from django.conf import settings as s; print(s.EMAIL_USE_TLS, s.SECURE_SSL_REDIRECT)"
)


@pytest.mark.parametrize(
    ("spelling", "meaning"),
    [("true", True), ("yes", True), ("1", True), ("false", False), ("no", False), ("0", False)],
)
def test_every_switch_reads_true_yes_1_and_false_no_0_alike(spelling, meaning):
    local = manage(
        "shell",
        "-c",
        LOCAL_SWITCHES,
        env={"DJANGO_DEBUG": spelling, "ADMIN_REQUIRE_2FA": spelling},
    )
    production = manage(
        "shell",
        "-c",
        PRODUCTION_SWITCHES,
        env={**PRODUCTION_ENV, "EMAIL_USE_TLS": spelling, "SECURE_SSL_REDIRECT": spelling},
    )

    assert local.returncode == 0, local.stderr
    assert production.returncode == 0, production.stderr
    assert local.stdout.splitlines()[-1] == f"{meaning} {meaning}"
    assert production.stdout.splitlines()[-1] == f"{meaning} {meaning}"


@pytest.mark.parametrize(
    ("variable", "profile"),
    [
        ("DJANGO_DEBUG", {}),
        ("ADMIN_REQUIRE_2FA", {}),
        ("EMAIL_USE_TLS", PRODUCTION_ENV),
        ("SECURE_SSL_REDIRECT", PRODUCTION_ENV),
    ],
)
def test_a_switch_that_is_neither_true_nor_false_stops_the_app(variable, profile):
    result = manage("check", env={**profile, variable: "kanskje"})

    assert result.returncode != 0
    assert f"{variable} must be true or false" in result.stderr


@pytest.mark.parametrize("spelling", ["false", "no", "OFF"])
def test_production_refuses_the_second_factor_switched_off_in_any_spelling(spelling):
    result = manage("check", env={**PRODUCTION_ENV, "ADMIN_REQUIRE_2FA": spelling})

    assert result.returncode != 0
    assert "ADMIN_REQUIRE_2FA cannot be turned off in production" in result.stderr


def test_a_value_starting_with_a_dollar_sign_is_read_as_it_is():
    # Not as the name of another variable, as django-environ would by default.
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_HOST_PASSWORD)",
        env={**PRODUCTION_ENV, "EMAIL_HOST_PASSWORD": "$EMAIL_HOST"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "$EMAIL_HOST"
