"""Attacks on the links the app hands out, on the production profile under
gunicorn (tests/production.py): an e-mailed link must not follow the Host
header, and no log line may carry a usable confirmation link."""

import http.client
import re
import time
from urllib.parse import urlencode

import pytest

from tests import cluster
from tests.production import PUBLIC_BASE_URL, log_messages

LINK = re.compile(r"\S+/stem/bekreft/\S+/")


@pytest.mark.django_db
def test_a_vote_request_naming_another_port_in_its_host_still_mails_the_public_address(
    production,
):
    # DJANGO_ALLOWED_HOSTS is 127.0.0.1 on the stack, and Django checks the
    # host name only: "127.0.0.1:9999" is let through.
    path = production.nomination_paths[1]
    address = "links.host.attack@host.example.no"

    requested = production.post_form(
        path + "stem/", {"email": address}, form_path=path, Host="127.0.0.1:9999"
    )

    assert requested.status == 302
    [message] = production.inbox.to(address)
    [link] = LINK.findall(message.get_content())
    assert link.startswith(PUBLIC_BASE_URL + "/nb/stem/bekreft/")
    assert "9999" not in message.get_content()
    assert production.votes_from("host.example.no") == 0
    confirmed = production.post_form(link.removeprefix(PUBLIC_BASE_URL), {})
    assert confirmed.status == 200
    assert production.votes_from("host.example.no") == 1


# A loopback address of this test's own, so its rate-limit count is nobody
# else's on the shared stack (all of 127.0.0.0/8 reaches the server).
OWN_ADDRESS = "127.0.12.4"


def post_from(production, address: str, path: str, *, cookie: str, csrf: str) -> int:
    connection = http.client.HTTPConnection(
        cluster.HOST, production.port, timeout=20, source_address=(address, 0)
    )
    try:
        connection.request(
            "POST",
            path,
            body=urlencode({"csrfmiddlewaretoken": csrf}),
            headers={
                "Cookie": f"csrftoken={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


def use_up_confirm_limit(production, address: str) -> None:
    """Count as many confirmation POSTs from ``address`` as the stack's
    RATELIMIT_VOTE_CONFIRM allows, through the app's own counting
    (voting.ratelimits.usage), instead of sending a thousand requests. A
    window about to end is waited out, so the count is still there for the
    request that follows."""
    production.python(f"""
import time
from django.conf import settings
from django.test import RequestFactory
from voting.ratelimits import usage
request = RequestFactory().post("/", REMOTE_ADDR={address!r})
rate = settings.RATELIMIT_VOTE_CONFIRM
counted = usage(request, group="vote-confirm", key="ip", rate=rate)
if counted["time_left"] < 10:
    time.sleep(counted["time_left"] + 1)
    counted = usage(request, group="vote-confirm", key="ip", rate=rate)
while counted["count"] < counted["limit"]:
    counted = usage(request, group="vote-confirm", key="ip", rate=rate)
print(counted["count"])
""")


def log_when(production, *expected: str, since: int) -> str:
    """The stack's log from character ``since`` on, once every ``expected``
    line is in it (gunicorn writes an access line just after the answer)."""
    deadline = time.monotonic() + 10
    while not all(line in (log := log_messages(production.log()[since:])) for line in expected):
        assert time.monotonic() < deadline, f"not in the log: {expected}\n{log[-3000:]}"
        time.sleep(0.1)
    return log


@pytest.mark.django_db
def test_refused_and_rate_limited_confirmations_leave_no_token_in_the_servers_log(production):
    path = production.nomination_paths[2]
    address = "links.log.attack@logs.example.no"
    production.post_form(path + "stem/", {"email": address}, form_path=path)
    [message] = production.inbox.to(address)
    [link] = LINK.findall(message.get_content())
    link_path = link.removeprefix(PUBLIC_BASE_URL)
    token = link_path.rstrip("/").rsplit("/", 1)[1]
    since = len(production.log())

    opened = production.request("GET", link_path)
    without_cookie = production.request("POST", link_path, body="")
    # The language switcher on the ballot page, and a page opened from it.
    switched = production.request("GET", f"/sprak/nn/?neste={link_path}")
    production.request("GET", "/nb/personvern/", headers={"Referer": link})
    cookie, csrf = production.form(link_path)
    use_up_confirm_limit(production, OWN_ADDRESS)
    limited = post_from(production, OWN_ADDRESS, link_path, cookie=cookie, csrf=csrf)

    assert [opened.status, without_cookie.status, switched.status, limited] == [200, 403, 302, 429]
    assert production.votes_from("logs.example.no") == 0
    redacted = "/nb/stem/bekreft/[redacted]/"
    log_when(
        production,
        f"Forbidden (CSRF cookie not set.): {redacted}",
        f"Too Many Requests: {redacted}",
        f'"GET {redacted}" 200',
        f'"POST {redacted}" 403',
        f'"POST {redacted}" 429',
        '"GET /sprak/nn/" 302',
        since=since,
    )
    assert token not in production.log()
    # The link still votes: nothing above used it up.
    assert production.post_form(link_path, {}).status == 200
