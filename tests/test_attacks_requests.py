"""Bad requests against the production profile under gunicorn
(tests/production.py): a foreign Host header, forms in another charset than
UTF-8 on every public POST endpoint, HEAD, methods no public view takes, and
the jury decision's admin page (staff looking, two jurors deciding at once).
Each gets the right 4xx page in the language of the address, or a clean
refusal, never a 500, and nothing is written or sent.

Requests go out raw (http.client, a socket for HEAD), so the Host header and
the body are exactly what an attacker sends."""

import json
import re
import socket
import threading
from urllib.parse import urlencode

import pytest

from tests import cluster
from tests.production import CSRF_COOKIE, CSRF_FIELD

pytestmark = pytest.mark.django_db

BAD_REQUEST = {"nb": "<h1>Ugyldig forespørsel</h1>", "en": "<h1>Bad request</h1>"}
NOT_ALLOWED = "<h1>Denne handlingen er ikke tillatt her</h1>"
SESSION_COOKIE = re.compile(r"sessionid=([^;]+)")
PASSWORD = "pw-attack-requests-h4"
CHARSETS = ["utf-16", "latin-1", "x-no-such-charset"]
METHODS = ["PUT", "DELETE", "PATCH"]


def domain_of(*test: str) -> str:
    """The e-mail domain of one test's addresses (and of its confirmation
    link), used by no other, so what an attack let through on a broken build
    shows in that test alone."""
    return ".".join(part.lower().replace(" ", "-") for part in test) + ".attack-requests.example"


# A confirmation link for each test that attacks the confirmation.
LINK_DOMAINS = [
    *(domain_of("charset", charset, "confirmation") for charset in CHARSETS),
    *(domain_of("method", method, "confirmation") for method in METHODS),
    domain_of("head", "confirmation"),
    domain_of("csrf"),
]


@pytest.fixture(scope="module")
def paths(production) -> dict[str, str]:
    """The stack's public paths; "confirmation" is the link of a test's own
    address, in links()."""
    nominee = production.nomination_paths[0]
    return {
        "front page": "/nb/",
        "round": nominee.rsplit("/", 2)[0] + "/",
        "nominee": nominee,
        "vote request": nominee + "stem/",
        "requested": nominee + "stem/sendt/",
        "receipt check": "/nb/kvittering/",
        "winners": "/nb/vinnere/",
        "privacy": "/nb/personvern/",
        "accessibility": "/nb/tilgjengelighet/",
    }


@pytest.fixture(scope="module")
def links(production) -> dict[str, str]:
    """A valid confirmation link per domain in LINK_DOMAINS (one shell for all)."""
    script = f"""
import json
from nominees.models import Nomination
from voting import confirmation
nomination = Nomination.objects.get(pk={production.nomination_ids[0]})
print(json.dumps({{
    domain: confirmation.make_token(nomination=nomination, address="kari@" + domain)
    for domain in {LINK_DOMAINS!r}
}}))
"""
    tokens = json.loads(production.python(script))
    return {domain: f"/nb/stem/bekreft/{token}/" for domain, token in tokens.items()}


def path_of(page: str, domain: str, paths: dict[str, str], links: dict[str, str]) -> str:
    return links[domain] if page == "confirmation" else paths[page]


def nothing_written(production, domain: str) -> bool:
    """No vote and no e-mail for an address at ``domain``."""
    mailed = [m for m in production.inbox.messages if m["To"].endswith("@" + domain)]
    return production.votes_from(domain) == 0 and mailed == []


# A foreign Host header


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", ""])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_foreign_host_header_gets_the_400_page_in_the_language_of_the_address(
    production, host, language
):
    response = production.request("GET", f"/{language}/", headers={"Host": host})

    assert response.status == 400
    assert BAD_REQUEST[language] in response.body
    assert '<nav class="language-switcher"' in response.body
    assert "evil.example" not in response.body


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        # Refused twice over: a foreign host and a form that cannot be read.
        "application/x-www-form-urlencoded; charset=latin-1",
    ],
)
def test_a_vote_request_with_a_foreign_host_header_gets_the_400_page_and_sends_nothing(
    production, paths, content_type
):
    cookie, token = production.form(paths["nominee"])
    domain = domain_of("host", *(["charset"] if "charset" in content_type else []))

    response = production.request(
        "POST",
        paths["vote request"],
        body=urlencode({"csrfmiddlewaretoken": token, "email": f"kari@{domain}"}),
        headers={
            "Host": "evil.example",
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": content_type,
        },
    )

    assert response.status == 400
    assert BAD_REQUEST["nb"] in response.body
    assert nothing_written(production, domain)


# Forms in another charset than UTF-8


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize("endpoint", ["vote request", "confirmation", "receipt check"])
def test_a_form_in_another_charset_than_utf_8_gets_the_400_page_on_every_public_post(
    production, paths, links, charset, endpoint
):
    domain = domain_of("charset", charset, endpoint)
    path = path_of(endpoint, domain, paths, links)
    cookie, token = production.form(paths["nominee"] if endpoint == "vote request" else path)
    fields = {
        "csrfmiddlewaretoken": token,
        "email": f"kari@{domain}",
        "receipt": "ABCD-EFGH",
    }
    body = urlencode(fields)

    response = production.request(
        "POST",
        path,
        body=body.encode("utf-8" if charset.startswith("x-") else charset),
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": f"application/x-www-form-urlencoded; charset={charset}",
        },
    )

    assert response.status == 400
    assert BAD_REQUEST["nb"] in response.body
    assert nothing_written(production, domain)


# HEAD


def raw_head(production, path: str) -> tuple[str, str, bytes]:
    """HEAD over a bare socket: the status line, the headers and whatever came
    after them before the server closed (http.client would hide a body)."""
    with socket.create_connection((cluster.HOST, production.port), timeout=20) as connection:
        connection.sendall(
            f"HEAD {path} HTTP/1.1\r\nHost: {cluster.HOST}\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    status, _, headers = head.decode("latin-1").partition("\r\n")
    return status, headers, rest


@pytest.mark.parametrize(
    "page",
    [
        "front page",
        "round",
        "nominee",
        "requested",
        "confirmation",
        "receipt check",
        "winners",
        "privacy",
        "accessibility",
    ],
)
def test_head_on_a_public_page_answers_as_get_without_a_body(production, paths, links, page):
    domain = domain_of("head", page)
    path = path_of(page, domain, paths, links)
    get = production.request("GET", path)

    status, headers, body = raw_head(production, path)

    assert get.status == 200
    assert status == "HTTP/1.1 200 OK"
    assert "Content-Type: text/html; charset=utf-8" in headers
    assert body == b""
    assert nothing_written(production, domain)


# Methods no public view takes


ALLOW = {
    "front page": "GET, HEAD",
    "round": "GET, HEAD",
    "nominee": "GET, HEAD",
    "requested": "GET, HEAD",
    "winners": "GET, HEAD",
    "vote request": "POST",
    "confirmation": "GET, HEAD, POST",
    "receipt check": "GET, HEAD, POST",
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("page", list(ALLOW))
def test_a_method_a_public_view_does_not_take_gets_405_with_allow(
    production, paths, links, method, page
):
    domain = domain_of("method", method, page)
    cookie, token = production.form(paths["nominee"])

    response = production.request(
        method,
        path_of(page, domain, paths, links),
        body=urlencode({"csrfmiddlewaretoken": token, "email": f"kari@{domain}"}),
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert response.status == 405
    assert response.headers["Allow"] == ALLOW[page]
    assert NOT_ALLOWED in response.body
    assert nothing_written(production, domain)


def test_a_post_without_the_csrf_token_is_still_refused(production, links):
    response = production.request(
        "POST",
        links[domain_of("csrf")],
        body="",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 403
    assert "Skjemaet kunne ikke sendes" in response.body
    assert nothing_written(production, domain_of("csrf"))


# The jury decision's admin page


@pytest.fixture(scope="module")
def admin_people(production) -> dict:
    """A staff user and two jurors, each with one-time recovery codes (the
    admin asks for a code in production), and archive rounds the jury may
    decide (no vote held here, any nominee may win)."""
    script = f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from nominees.models import Municipality, Nomination, PrizeRound, WinnerRule
from voting import services

def person(name, group):
    user = get_user_model().objects.create_user(name, password="{PASSWORD}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    device = StaticDevice.objects.create(user=user, name="Reservekoder")
    codes = [StaticToken.random_token() for _ in range(3)]
    for code in codes:
        device.token_set.create(token=code)
    return codes

def archive_round(year):
    prize_round = PrizeRound.objects.create(
        year=year, title=f"Arkivrunde {{year}}", winner_rule=WinnerRule.ALL_NOMINEES
    )
    nominations = []
    for place in range(2):
        number = f"{{9400 + (year - 1840) * 2 + place}}"
        municipality = Municipality.objects.create(
            name=f"Angrepsby {{number}}", number=number, county="Testfylke",
            slug=f"angrepsby-{{number}}",
        )
        nominations.append(
            Nomination.objects.create(round=prize_round, municipality=municipality, summary="S.")
        )
    return prize_round, nominations

codes = {{
    "staff": person("attack-requests-staff", "IMDi-ansatte"),
    "juror-a": person("attack-requests-juror-a", "Jury"),
    "juror-b": person("attack-requests-juror-b", "Jury"),
}}
decided, decided_nominations = archive_round(1840)
decision = services.record_winner(
    prize_round=decided, winner=decided_nominations[0], justification="Lenge og godt arbeid."
)
races = []
for year in range(1841, 1846):
    prize_round, nominations = archive_round(year)
    races.append({{"round": prize_round.pk, "winners": [n.pk for n in nominations]}})
print(json.dumps({{"codes": codes, "decision": decision.pk, "races": races}}))
"""
    return json.loads(production.python(script))


def log_in(production, username: str, code: str) -> str:
    """Log in to the admin with password and one-time code; the session cookie."""
    cookie, token = production.form("/admin/login/")
    response = production.request(
        "POST",
        "/admin/login/?next=/admin/",
        body=urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PASSWORD,
                "otp_token": code,
                "next": "/admin/",
            }
        ),
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status == 302, response.body[:2000]
    cookies = " ".join(response.headers.get_all("Set-Cookie"))
    session = SESSION_COOKIE.search(cookies).group(1)
    return f"sessionid={session}; csrftoken={CSRF_COOKIE.search(cookies).group(1)}"


def test_staff_open_a_jury_decision_to_read_it(production, admin_people):
    cookies = log_in(production, "attack-requests-staff", admin_people["codes"]["staff"][0])
    path = f"/admin/voting/jurydecision/{admin_people['decision']}/change/"

    page = production.request("GET", path, headers={"Cookie": cookies})

    assert page.status == 200
    assert "Lenge og godt arbeid." in page.body
    assert 'name="winner"' not in page.body
    assert production.sql(
        "SELECT justification FROM voting_jurydecision WHERE id = %s", (admin_people["decision"],)
    ) == [("Lenge og godt arbeid.",)]


def test_two_jurors_recording_a_rounds_first_decision_at_once_never_get_a_500(
    production, admin_people
):
    jurors = {
        name: log_in(production, f"attack-requests-{name}", admin_people["codes"][name][0])
        for name in ("juror-a", "juror-b")
    }
    tokens = {}
    for name, cookies in jurors.items():
        page = production.request(
            "GET", "/admin/voting/jurydecision/add/", headers={"Cookie": cookies}
        )
        assert page.status == 200
        tokens[name] = CSRF_FIELD.search(page.body).group(1)
    statuses = []

    def decide(name: str, race: dict, winner: int, barrier: threading.Barrier) -> None:
        body = urlencode(
            {
                "csrfmiddlewaretoken": tokens[name],
                "round": race["round"],
                "winner": winner,
                "justification": f"Besluttet av {name}.",
            }
        )
        barrier.wait(timeout=10)
        statuses.append(
            production.request(
                "POST",
                "/admin/voting/jurydecision/add/",
                body=body,
                headers={
                    "Cookie": jurors[name],
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            ).status
        )

    for race in admin_people["races"]:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=decide, args=(name, race, winner, barrier))
            for name, winner in zip(jurors, race["winners"], strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    rounds = tuple(race["round"] for race in admin_people["races"])
    decisions = production.sql(
        "SELECT round_id, count(*) FROM voting_jurydecision WHERE round_id = ANY(%s) "
        "GROUP BY round_id",
        (list(rounds),),
    )
    assert len(statuses) == 2 * len(rounds)
    # 302: recorded, or refused with the message on the list it redirects to;
    # 200: the form again, saying the round is no longer one to choose.
    assert set(statuses) <= {200, 302}
    assert sorted(decisions) == [(pk, 1) for pk in sorted(rounds)]
