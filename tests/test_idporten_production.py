"""An ID-porten vote on the production profile: gunicorn with the production
settings (tests/cluster.py: PostgreSQL, Redis, JSON logs) and IDPORTEN_* set
for the local ID-porten, which the voter logs in at. The vote is cast and
counted as one, and the national identity number is in no log line and no
table, nor the code and state of the login's callback."""

import contextlib
import json
import re
import sys
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests import cluster
from tests.factories import local_path
from tests.idporten_provider import start_idporten
from tests.production import GUNICORN_ARGS, PUBLIC_BASE_URL, Inbox, Production

PID = "31129956715"
BALLOT = re.compile(r"^/nb/stem/bekreft/[^/]+/$")


class Browser:
    """A client of the stack that keeps its cookies, as a browser would."""

    def __init__(self, stack: Production) -> None:
        self.stack = stack
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, fields: dict[str, str] | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = ""
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = self.stack.request(method, path, body=body, headers=headers)
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return answer

    def post_form(self, path: str):
        """The page, and its form (a POST with only its CSRF token) sent as a
        browser sends it."""
        page = self.send("GET", path)
        assert page.status == 200, page.body[:500]
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
        action = re.search(r'<form method="post"(?: action="([^"]*)")?', page.body).group(1)
        return page, self.post((action or path).split("#")[0])

    def post(self, path: str):
        """A POST with the CSRF token of the last form."""
        return self.send("POST", path, {"csrfmiddlewaretoken": self.token})


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if cluster.missing_binaries():
        pytest.skip(cluster.missing_binaries())
    with contextlib.ExitStack() as exits:
        provider = exits.enter_context(
            start_idporten(tmp_path_factory.mktemp("idporten"), base_url=PUBLIC_BASE_URL)
        )
        services = cluster.start_services(exits, **provider.settings("private_key_jwt"))
        cluster.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from nominees.models import PrizeRound; "
                f"PrizeRound.objects.filter(pk={services.round_id}).update(verification='idporten')",
            ],
            env=services.env,
        )
        servers = exits.enter_context(
            cluster.app_servers(
                services.env, services.folder, count=1, workers=2, extra_args=GUNICORN_ARGS
            )
        )
        yield (
            provider,
            Production(
                postgres=services.postgres,
                redis=services.redis,
                folder=services.folder,
                env=services.env,
                servers=servers,
                inbox=Inbox(),
                round_id=services.round_id,
                nomination_ids=services.nomination_ids,
                nomination_paths=services.nomination_paths,
            ),
        )


def test_a_vote_through_idporten_works_under_gunicorn_and_no_log_holds_the_pid(stack):
    provider, production = stack
    browser = Browser(production)
    asker = production.nomination_paths[0]

    page, started = browser.post_form(asker)
    assert "Stem på Asker med ID-porten" in page.body
    assert provider.issuer in page.headers["Content-Security-Policy"]
    assert started.status == 302, started.body[:500]
    assert started.headers["Location"].startswith(provider.issuer + "/authorize?")
    callback = provider.login(started.headers["Location"], pid=PID)
    assert callback.startswith(PUBLIC_BASE_URL + "/idporten/callback/?")
    answered = browser.send("GET", local_path(callback))
    assert answered.status == 302, answered.body[:500]
    logged_out = provider.logout(answered.headers["Location"])
    back = browser.send("GET", local_path(logged_out))
    assert back.status == 302, back.body[:500]
    ballot = urlsplit(back.headers["Location"]).path
    assert BALLOT.match(ballot)
    ballot_page, cast = browser.post_form(ballot)

    assert "Bekreft stemmen på Asker" in ballot_page.body
    assert cast.status == 200, cast.body[:500]
    [(receipt, email_domain)] = production.sql(
        "SELECT receipt, email_domain FROM voting_vote WHERE round_id = %s", (production.round_id,)
    )
    assert receipt in cast.body
    assert email_domain == ""
    # A second login of the same person is refused at the ballot.
    again = Browser(production)
    _, restarted = again.post_form(production.nomination_paths[1])
    recall = provider.login(restarted.headers["Location"], pid=PID)
    relogged = provider.logout(again.send("GET", local_path(recall)).headers["Location"])
    second_ballot = urlsplit(again.send("GET", local_path(relogged)).headers["Location"]).path
    assert "Du har allerede stemt" in again.send("GET", second_ballot).body
    assert again.post(second_ballot).status == 409
    assert production.sql("SELECT count(*) FROM voting_vote") == [(1,)]

    log = production.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    paths = [line.get("path", "") for line in lines]
    assert "/idporten/callback/" in paths  # the access log has the callback, no query
    assert PID not in log
    for name, value in parse_qs(urlsplit(callback).query).items():
        if name in ("code", "state"):
            assert value[0] not in log
    found = production.python(
        f"from tests.factories import rows_containing; print(rows_containing(text='{PID}'))"
    )
    assert found == "[]"
