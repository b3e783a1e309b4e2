"""Admin security: the second factor, throttled logins, the Content-Security-Policy
and short staff sessions."""

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nominees.models import Phase
from tests.factories import PASSWORD, make_nomination, make_round, make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
INDEX = "/admin/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def log_in(client, username: str, password: str = PASSWORD, ip: str = "192.0.2.10", **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, **extra},
        REMOTE_ADDR=ip,
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def no_session_has_a_user() -> bool:
    return not any("_auth_user_id" in s.get_decoded() for s in Session.objects.all())


# The second factor.


@pytest.fixture
def two_factor(settings):
    settings.ADMIN_REQUIRE_2FA = True


@pytest.fixture
def staff_with_app():
    user = make_staff(username="kari")
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    return user, device


def test_password_alone_does_not_open_the_admin_when_2fa_is_required(
    client, two_factor, staff_with_app
):
    response = log_in(client, "kari")

    assert response.status_code == 200
    assert "Skriv inn engangskoden fra autentiseringsappen." in response.content.decode()
    assert not is_logged_in(client)
    assert no_session_has_a_user()
    index = client.get(INDEX)
    assert index.status_code == 302
    assert index["Location"].startswith("/admin/login/")


def test_password_and_the_current_code_open_the_admin(client, two_factor, staff_with_app):
    user, device = staff_with_app

    response = log_in(client, "kari", otp_token=code_for(device))

    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_a_wrong_code_does_not_open_the_admin(client, two_factor, staff_with_app):
    _, device = staff_with_app
    wrong = f"{(int(code_for(device)) + 1) % 10**6:06d}"

    response = log_in(client, "kari", otp_token=wrong)

    assert response.status_code == 200
    assert "Engangskoden er feil eller utløpt." in response.content.decode()
    assert not is_logged_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_code_cannot_be_used_twice(client, two_factor, staff_with_app):
    _, device = staff_with_app
    code = code_for(device)
    assert log_in(client, "kari", otp_token=code).status_code == 302
    client.logout()

    replay = log_in(client, "kari", otp_token=code)

    assert replay.status_code == 200
    assert not is_logged_in(client)


def test_staff_without_a_device_cannot_reach_the_admin_when_2fa_is_required(client, two_factor):
    make_staff(username="kari")

    response = log_in(client, "kari", otp_token="123456")

    assert response.status_code == 200
    assert not is_logged_in(client)
    assert client.get(INDEX).status_code == 302


def test_a_session_logged_in_by_password_alone_is_not_let_in(client, two_factor, staff_with_app):
    user, _ = staff_with_app
    client.force_login(user)

    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_with_several_devices_the_user_picks_one_and_a_recovery_code_works(
    client, two_factor, staff_with_app
):
    user, _ = staff_with_app
    recovery = StaticDevice.objects.create(user=user, name="Reservekoder", confirmed=True)
    recovery.token_set.create(token="reserve1")

    first = log_in(client, "kari", otp_token="reserve1")
    assert "Velg hvilken enhet engangskoden kommer fra." in first.content.decode()
    assert not is_logged_in(client)

    second = log_in(client, "kari", otp_token="reserve1", otp_device=recovery.persistent_id)

    assert second.status_code == 302
    assert client.get(INDEX).status_code == 200
    assert not recovery.token_set.exists()


def test_the_first_superuser_gets_in_once_with_a_code_from_addstatictoken(client, two_factor):
    make_staff(username="sjef", superuser=True)
    out = StringIO()
    call_command("addstatictoken", "sjef", stdout=out)
    code = out.getvalue().strip()

    assert log_in(client, "sjef", otp_token=code).status_code == 302
    assert client.get(INDEX).status_code == 200
    client.logout()
    assert log_in(client, "sjef", otp_token=code).status_code == 200
    assert not is_logged_in(client)


def test_the_local_run_without_2fa_logs_in_with_the_password(client, settings):
    settings.ADMIN_REQUIRE_2FA = False
    make_staff(username="kari")

    response = log_in(client, "kari")

    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


# Throttled logins.


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    return 3


ADDRESS_LIMIT = 8


def assert_locked_out(response, minutes: int = 30):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Innloggingen er midlertidig sperret" in page
    assert f"Prøv igjen om {minutes} minutter." in page
    assert "Nye forsøk i mellomtiden forlenger ikke pausen." in page
    assert minutes * 60 - 60 < int(response["Retry-After"]) <= minutes * 60


def fail_logins(client, username: str, ip: str, times: int) -> None:
    for _ in range(times):
        log_in(client, username, password="wrong", ip=ip)


def attempts_ago(minutes: int) -> None:
    """Move every recorded failure ``minutes`` further into the past."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save()


def test_failed_logins_lock_a_user_name_out_from_that_address(client, limit):
    make_staff(username="kari")
    for _ in range(limit - 1):
        assert log_in(client, "kari", password="wrong", ip="198.51.100.7").status_code == 200
    # The failure that reaches the limit is answered with the lockout page.
    reached = log_in(client, "kari", password="wrong", ip="198.51.100.7")
    assert_locked_out(reached)
    assert "for dette brukernavnet fra denne nettverksadressen" in reached.content.decode()

    # The right password from that address is refused too, and logs no one in.
    locked = log_in(client, "kari", ip="198.51.100.7")

    assert_locked_out(locked)
    assert not is_logged_in(client)
    assert no_session_has_a_user()
    kari = get_user_model().objects.get(username="kari")
    assert kari.check_password(PASSWORD)
    assert kari.last_login is None


def test_a_user_name_locked_out_from_one_address_still_logs_in_from_another(client, limit):
    make_staff(username="kari")
    fail_logins(client, "kari", "198.51.100.7", limit)
    assert_locked_out(log_in(client, "kari", ip="198.51.100.7"))

    elsewhere = log_in(client, "kari", ip="203.0.113.50")

    assert elsewhere.status_code == 302
    assert is_logged_in(client)
    assert get_user_model().objects.get(username="kari").last_login is not None
    # Her own address stays locked for the pair (she logged in elsewhere).
    assert AccessAttempt.objects.filter(username="kari", ip_address="198.51.100.7").exists()


def test_failures_for_one_user_at_a_shared_address_do_not_lock_out_another_user_there(
    client, limit
):
    make_staff(username="kari")
    make_staff(username="ola")
    fail_logins(client, "kari", "192.0.2.10", limit)
    assert_locked_out(log_in(client, "kari", ip="192.0.2.10"))

    colleague = log_in(client, "ola", ip="192.0.2.10")

    assert colleague.status_code == 302
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(username="ola").pk)


def test_spraying_user_names_from_one_address_is_refused_at_the_address_limit(client, limit):
    make_staff(username="kari")
    # More failures than one user name may have, spread over many names, are
    # still let through: each is a wrong password, not a lockout.
    for n in range(ADDRESS_LIMIT - 1):
        response = log_in(client, f"gjett{n}", password="wrong", ip="198.51.100.7")
        assert response.status_code == 200, n
    assert log_in(client, "kari", password="wrong", ip="198.51.100.7").status_code == 200

    locked = log_in(client, "kari", ip="198.51.100.7")
    another_name = log_in(client, "gjett99", password="wrong", ip="198.51.100.7")

    assert_locked_out(locked)
    assert "fra denne nettverksadressen, med ulike brukernavn" in locked.content.decode()
    assert_locked_out(another_name)
    assert not is_logged_in(client)
    # Refused tries are not counted: the address has exactly the limit on record.
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == (
        ADDRESS_LIMIT
    )
    assert not AccessAttempt.objects.filter(username="gjett99").exists()
    # The same person from another address gets in.
    assert log_in(client, "kari", ip="203.0.113.9").status_code == 302


def test_tries_during_a_lockout_do_not_extend_it(client, limit):
    make_staff(username="kari")
    fail_logins(client, "kari", "198.51.100.7", limit)
    [attempt] = AccessAttempt.objects.all()
    locked_at = attempt.attempt_time
    attempts_ago(20)

    # Twenty minutes on, the attacker keeps trying; each try is refused…
    fail_logins(client, "kari", "198.51.100.7", 5)
    still_locked = log_in(client, "kari", ip="198.51.100.7")

    assert_locked_out(still_locked, minutes=10)
    attempt.refresh_from_db()
    assert attempt.failures_since_start == limit
    assert attempt.attempt_time == locked_at - timedelta(minutes=20)
    # …and the lockout still ends 30 minutes after it began.
    attempts_ago(11)
    assert log_in(client, "kari", ip="198.51.100.7").status_code == 302
    assert is_logged_in(client)


def test_an_address_lockout_ends_as_its_failures_age_out(client, limit):
    make_staff(username="kari")
    for n in range(ADDRESS_LIMIT):
        log_in(client, f"gjett{n}", password="wrong", ip="198.51.100.7")
    assert_locked_out(log_in(client, "kari", ip="198.51.100.7"))
    attempts_ago(25)

    assert_locked_out(log_in(client, "kari", ip="198.51.100.7"), minutes=5)
    attempts_ago(6)
    assert log_in(client, "kari", ip="198.51.100.7").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_lockout(client, limit):
    make_staff(username="kari")
    for n in range(ADDRESS_LIMIT):
        client.post(
            LOGIN,
            {"username": f"gjett{n}", "password": "wrong"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )

    locked = client.post(
        LOGIN,
        {"username": "kari", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert_locked_out(locked)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_lockout_counts_the_client_address(client, limit):
    make_staff(username="kari")
    for n in range(ADDRESS_LIMIT):
        client.post(
            LOGIN,
            {"username": "kari", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 198.51.100.{n + 1}",
        )

    # Each attempt came from its own client address behind the proxy (the
    # forged left-most entry is ignored), so none is locked out.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        f"198.51.100.{n + 1}" for n in range(ADDRESS_LIMIT)
    }
    response = client.post(
        LOGIN,
        {"username": "kari", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1",
    )

    assert response.status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, limit):
    make_staff(username="kari")
    fail_logins(client, "kari", "198.51.100.7", limit)
    assert_locked_out(log_in(client, "kari", ip="198.51.100.7"))

    attempts_ago(31)

    assert log_in(client, "kari", ip="198.51.100.7").status_code == 302
    assert is_logged_in(client)


def test_a_right_code_does_not_get_past_a_lockout(client, two_factor, limit, staff_with_app):
    _, device = staff_with_app
    fail_logins(client, "kari", "198.51.100.7", limit)

    locked = log_in(client, "kari", otp_token=code_for(device), ip="198.51.100.7")

    assert_locked_out(locked)
    assert not is_logged_in(client)
    device.refresh_from_db()
    assert device.last_used_at is None


# Headers and sessions.


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def test_public_and_admin_pages_send_a_strict_content_security_policy(client):
    nomination = make_nomination(prize_round=make_round(phase=Phase.VOTING_OPEN))
    pages = ["/nb/", nomination.round.get_absolute_url(), nomination.get_absolute_url(), LOGIN]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
        assert csp_directives(response) == {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "frame-ancestors": "'none'",
            "form-action": "'self'",
            "base-uri": "'self'",
        }, url
        assert response["X-Frame-Options"] == "DENY"


def test_a_staff_session_lasts_hours_and_ends_with_the_browser(client, settings):
    settings.ADMIN_REQUIRE_2FA = False
    make_staff(username="kari")

    log_in(client, "kari")

    session = Session.objects.get()
    lifetime = session.expire_date - timezone.now()
    assert timedelta(hours=3, minutes=59) < lifetime <= timedelta(hours=4)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
