"""Locking staff out, on the production profile under gunicorn
(tests/production.py): failed admin logins can no longer be used to lock staff
out. Lockouts are per user name and client address; tries during one do not
extend it. Two client addresses are two loopback addresses (the stack trusts
no proxy, so the client address is the connection's)."""

import re

import pytest

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "h5-a-long-password-for-the-lockout-attack"
TARGET = "h5.lockout.target"
COLLEAGUE = "h5.lockout.colleague"
# Addresses no other test connects from.
ATTACKER = "127.0.5.2"
ELSEWHERE = "127.0.5.3"
SESSION_COOKIE = re.compile(r"sessionid=([^;]+)")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def staff(production) -> dict[str, list[str]]:
    """Two staff users, each with one-time recovery codes (production asks
    for a code at every admin login): their codes by user name."""
    script = f"""
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.models import StaticDevice
for name, prefix in [({TARGET!r}, "h5t"), ({COLLEAGUE!r}, "h5c")]:
    user = get_user_model().objects.create_user(name, password={PASSWORD!r}, is_staff=True)
    device = StaticDevice.objects.create(user=user, name="Reservekoder", confirmed=True)
    for n in range(3):
        device.token_set.create(token=f"{{prefix}}code{{n}}")
print("ok")
"""
    assert production.python(script) == "ok"
    return {TARGET: [f"h5tcode{n}" for n in range(3)], COLLEAGUE: [f"h5ccode{n}" for n in range(3)]}


def log_in(production, username: str, *, source: str, password: str = PASSWORD, code: str = ""):
    return production.post_form(
        LOGIN,
        {"username": username, "password": password, "otp_token": code},
        source=source,
    )


def opens_the_admin(production, response, *, source: str) -> bool:
    """The login answered with the admin, and its session cookie opens it."""
    if response.status != 302 or response.headers["Location"] != "/admin/":
        return False
    cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
    session = SESSION_COOKIE.search(cookies).group(1)
    index = production.request(
        "GET", "/admin/", headers={"Cookie": f"sessionid={session}"}, source=source
    )
    return index.status == 200


def failures_on_record(production, username: str, address: str) -> list[tuple]:
    return production.sql(
        "SELECT failures_since_start, attempt_time FROM axes_accessattempt"
        " WHERE username = %s AND ip_address = %s",
        (username, address),
    )


def test_a_staff_user_locked_out_from_one_address_logs_in_from_another_and_colleagues_there_too(
    production, staff
):
    for n in range(4):
        wrong = log_in(production, TARGET, source=ATTACKER, password=f"gjett{n}")
        assert wrong.status == 200, (n, wrong.status)
    reached = log_in(production, TARGET, source=ATTACKER, password="gjett4")
    right_from_there = log_in(production, TARGET, source=ATTACKER, code=staff[TARGET][0])

    from_elsewhere = log_in(production, TARGET, source=ELSEWHERE, code=staff[TARGET][0])
    colleague_at_the_attackers_address = log_in(
        production, COLLEAGUE, source=ATTACKER, code=staff[COLLEAGUE][0]
    )

    assert reached.status == 429
    assert right_from_there.status == 429
    assert opens_the_admin(production, from_elsewhere, source=ELSEWHERE)
    assert opens_the_admin(production, colleague_at_the_attackers_address, source=ATTACKER)
    assert "for dette brukernavnet fra denne nettverksadressen" in reached.body
    # The lockout is the pair's alone: five failures at the attacker's address,
    # none anywhere else, and the code tried there was not used up.
    [(failures, _)] = failures_on_record(production, TARGET, ATTACKER)
    assert failures == 5
    assert failures_on_record(production, TARGET, ELSEWHERE) == []
    assert production.sql(
        "SELECT t.token FROM otp_static_statictoken t"
        " JOIN otp_static_staticdevice d ON d.id = t.device_id"
        " JOIN auth_user u ON u.id = d.user_id WHERE u.username = %s ORDER BY t.token",
        (TARGET,),
    ) == [("h5tcode1",), ("h5tcode2",)]


def test_trying_again_during_a_lockout_does_not_extend_it(production, staff):
    test_address = "127.0.5.4"
    for n in range(5):
        log_in(production, TARGET, source=test_address, password=f"gjett{n}")
    # Twenty minutes on (the record moved back), the attacker tries again.
    production.sql(
        "UPDATE axes_accessattempt SET attempt_time = attempt_time - interval '20 minutes'"
        " WHERE ip_address = %s",
        (test_address,),
    )
    [before] = failures_on_record(production, TARGET, test_address)

    again = [
        log_in(production, TARGET, source=test_address, password="gjett-igjen") for _ in range(3)
    ]

    assert [response.status for response in again] == [429, 429, 429]
    assert failures_on_record(production, TARGET, test_address) == [before]
    assert "Prøv igjen om 10 minutter." in again[-1].body
    assert 540 < int(again[-1].headers["Retry-After"]) <= 600


def test_spraying_many_user_names_from_one_address_is_refused_at_the_address_limit(
    production, staff
):
    sprayer = "127.0.5.5"
    limit = int(production.env["ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT"])
    answers = [
        log_in(production, f"h5.gjett{n}", source=sprayer, password="Sommer2030!").status
        for n in range(limit)
    ]

    refused = log_in(production, COLLEAGUE, source=sprayer, code=staff[COLLEAGUE][1])
    from_elsewhere = log_in(production, COLLEAGUE, source=ELSEWHERE, code=staff[COLLEAGUE][1])

    # More failures than one user name may have, over as many names, are each
    # answered as a wrong password…
    assert limit > 5
    assert answers == [200] * limit
    # …and then the address is refused, with the right password too; the same
    # person elsewhere gets in.
    assert refused.status == 429
    assert "fra denne nettverksadressen, med ulike brukernavn" in refused.body
    assert opens_the_admin(production, from_elsewhere, source=ELSEWHERE)
    assert production.sql(
        "SELECT sum(failures_since_start) FROM axes_accessattempt WHERE ip_address = %s",
        (sprayer,),
    ) == [(limit,)]
