"""Rewriting a result, against the production profile under gunicorn
(tests/production.py): an IMDi staff member who is not a superuser logs in to
the admin with a password and a one-time code and tries to rewrite a counted
and an announced result. Each attempt is refused, and the database, the
tally's CSV and the public pages still say what was counted."""

import json
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tests.forms import moment_fields, posted_form
from tests.production import Production, Response

PASSWORD = "a-long-password-for-the-attack-tests"

SETUP = """
import json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from nominees.models import Municipality, Nomination, Phase, PrizeRound, WinnerRule
from tests.factories import cast_votes, make_round
from voting import services

def free_year():
    return next(y for y in range(2031, 9999) if not PrizeRound.objects.filter(year=y).exists())

def municipality(name):
    taken = set(Municipality.objects.values_list("number", flat=True))
    number = next(f"{{n:04d}}" for n in range(9999, 0, -1) if f"{{n:04d}}" not in taken)
    return Municipality.objects.create(
        name=name, number=number, county="Prøvefylke", slug=f"{{slugify(name)}}-{{number}}"
    )

def nominate(prize_round, names):
    return [
        Nomination.objects.create(round=prize_round, municipality=municipality(name))
        for name in names
    ]

# A counted round: voting opened yesterday, closed a minute ago, 3 + 2 + 1 votes.
counted = make_round(year=free_year(), phase=Phase.VOTING_OPEN)
first, second, third = nominate(counted, ["Tellevik", "Andreby", "Tredjeli"])
cast_votes(
    nominations={{"Tellevik": first, "Andreby": second, "Tredjeli": third}},
    votes={{"Tellevik": 3, "Andreby": 2, "Tredjeli": 1}},
)
PrizeRound.objects.filter(pk=counted.pk).update(
    voting_closes_at=timezone.now() - timezone.timedelta(minutes=1)
)
counted.refresh_from_db()
tally = services.count_votes(prize_round=counted)

# An announced round, like 2018: no votes here, the winner announced yesterday.
announced = make_round(year=free_year(), phase=Phase.WINNER_ANNOUNCED)
announced.winner_rule = WinnerRule.ALL_NOMINEES
announced.save()
winner, runner_up = nominate(announced, ["Vinnerstad", "Nestenvik"])
services.record_winner(
    prize_round=announced, winner=winner, justification="Best over tid.",
    at=announced.winner_announced_at - timezone.timedelta(hours=1),
)
elsewhere = municipality("Annenby")

user = User.objects.create_user("{username}", password="{password}", is_staff=True)
user.groups.add(Group.objects.get(name="IMDi-ansatte"))
device = StaticDevice.objects.create(user=user, name="Reservekoder", confirmed=True)
StaticToken.objects.create(device=device, token="{token}")
print(json.dumps({{
    "counted": counted.pk, "counted_year": counted.year, "tally": tally.pk,
    "first": first.pk, "first_municipality": first.municipality_id,
    "first_slug": first.municipality.slug,
    "announced": announced.pk, "winner": winner.pk,
    "winner_municipality": winner.municipality_id, "elsewhere": elsewhere.pk,
    "closes": counted.voting_closes_at.isoformat(),
}}))
"""


class AdminSession:
    """One browser's admin session on the production stack: its cookies,
    and forms posted as the browser would post them."""

    def __init__(self, production: Production) -> None:
        self.production = production
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, fields: dict | None = None) -> Response:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = b""
        if fields is not None:
            body = urlencode(fields, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = self.production.request(method, path, body=body, headers=headers)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value.strip('"'):
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response

    def log_in(self, username: str, token: str) -> Response:
        page = self.request("GET", "/admin/login/?next=/admin/")
        fields = posted_form(page.body, "login-form")
        fields |= {"username": [username], "password": [PASSWORD], "otp_token": [token]}
        return self.request("POST", "/admin/login/?next=/admin/", fields=fields)

    def change(self, path: str, form_id: str, **changes: str) -> Response:
        """Open a change form and post it with ``changes``, also to fields the
        page shows read-only (a crafted POST)."""
        page = self.request("GET", path)
        assert page.status == 200, (page.status, page.body[:300])
        fields = posted_form(page.body, form_id)
        fields |= {name: [str(value)] for name, value in changes.items()}
        return self.request("POST", path, fields=fields)


@pytest.fixture(scope="module")
def attack(production: Production):
    username = f"h2-staff-{secrets.token_hex(4)}"
    token = secrets.token_hex(4)
    ids = json.loads(
        production.python(SETUP.format(username=username, password=PASSWORD, token=token))
    )
    session = AdminSession(production)
    logged_in = session.log_in(username, token)
    assert logged_in.status == 302, logged_in.body[:500]
    return production, session, {**ids, "username": username}


def one_value(production: Production, query: str, *params) -> object:
    [(value,)] = production.sql(query, params)
    return value


def test_the_staff_login_is_not_a_superuser_and_used_up_its_one_time_code(attack):
    production, session, ids = attack

    account = production.sql(
        "SELECT is_staff, is_superuser FROM auth_user WHERE username = %s", (ids["username"],)
    )
    codes_left = one_value(
        production,
        "SELECT count(*) FROM otp_static_statictoken t JOIN otp_static_staticdevice d"
        " ON t.device_id = d.id JOIN auth_user u ON d.user_id = u.id WHERE u.username = %s",
        ids["username"],
    )

    assert account == [(True, False)]
    assert codes_left == 0
    assert session.request("GET", "/admin/nominees/nomination/").status == 200


def test_an_announced_winners_municipality_is_not_rewritten_on_production(attack):
    production, session, ids = attack

    response = session.change(
        f"/admin/nominees/nomination/{ids['winner']}/change/",
        "nomination_form",
        municipality=ids["elsewhere"],
    )
    winners_page = production.request("GET", "/nb/vinnere/")

    assert response.status == 200
    assert "Vinneren er kunngjort, så kommunen og runden kan ikke endres" in response.body
    assert (
        one_value(
            production,
            "SELECT municipality_id FROM nominees_nomination WHERE id = %s",
            ids["winner"],
        )
        == ids["winner_municipality"]
    )
    assert "Vinnerstad" in winners_page.body
    assert "Annenby" not in winners_page.body


def test_a_counted_first_place_is_not_moved_to_another_municipality_on_production(attack):
    production, session, ids = attack

    response = session.change(
        f"/admin/nominees/nomination/{ids['first']}/change/",
        "nomination_form",
        municipality=ids["elsewhere"],
    )
    exported = session.request("GET", f"/admin/voting/tally/{ids['tally']}/csv/")

    assert response.status == 200
    assert "Stemmene er talt opp, så kommunen og runden kan ikke endres" in response.body
    assert (
        one_value(
            production,
            "SELECT municipality_id FROM nominees_nomination WHERE id = %s",
            ids["first"],
        )
        == ids["first_municipality"]
    )
    assert exported.status == 200
    assert ",Tellevik," in exported.body
    assert "Annenby" not in exported.body


def test_a_municipality_in_a_tally_is_not_renamed_on_production(attack):
    production, session, ids = attack
    before = production.sql(
        "SELECT name, number FROM nominees_municipality WHERE id = %s", (ids["first_municipality"],)
    )

    response = session.change(
        f"/admin/nominees/municipality/{ids['first_municipality']}/change/",
        "municipality_form",
        name="Omdøpt",
        number="0001",
    )

    assert response.status == 200
    assert "navnet og kommunenummeret kan ikke endres" in response.body
    assert before == [("Tellevik", before[0][1])]
    assert (
        production.sql(
            "SELECT name, number FROM nominees_municipality WHERE id = %s",
            (ids["first_municipality"],),
        )
        == before
    )


def test_a_counted_round_is_not_reopened_and_takes_no_vote_after_the_count_on_production(attack):
    production, session, ids = attack
    tomorrow = timezone.now() + timedelta(days=1)

    response = session.change(
        f"/admin/nominees/prizeround/{ids['counted']}/change/",
        "prizeround_form",
        **moment_fields("voting_closes_at", tomorrow),
    )
    nominee = f"/nb/{ids['counted_year']}/{ids['first_slug']}/"
    production.inbox.clear()
    # The closed nominee page has no form; any open one gives a CSRF token.
    late_vote = production.post_form(
        nominee + "stem/",
        {"email": "sen.velger.h2@example.no"},
        form_path=production.nomination_paths[0],
    )

    assert response.status == 200
    assert "Stemmene er talt opp, så det opptellingen bygger på kan ikke endres" in response.body
    closes = one_value(
        production, "SELECT voting_closes_at FROM nominees_prizeround WHERE id = %s", ids["counted"]
    )
    assert closes == datetime.fromisoformat(ids["closes"])
    assert late_vote.status == 403
    assert not [m for m in production.inbox.messages if "sen.velger.h2" in m["X-Envelope-To"]]
    counted_votes = one_value(
        production, "SELECT valid_votes FROM voting_tally WHERE id = %s", ids["tally"]
    )
    assert counted_votes == 6
    assert (
        one_value(
            production,
            "SELECT count(*) FROM voting_vote WHERE round_id = %s AND status = 'valid'",
            ids["counted"],
        )
        == counted_votes
    )
