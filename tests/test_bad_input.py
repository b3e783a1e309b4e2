import base64
import re
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core import signing
from django.test import Client
from django.urls import reverse

from nominees.models import Phase, PrizeRound
from tests.factories import make_municipality, make_nomination, make_round, request_url
from voting import confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Skriv inn e-postadressen din."),
        ("   ", "Skriv inn e-postadressen din."),
        ("kari", "Skriv inn en gyldig e-postadresse"),
        ("kari@", "Skriv inn en gyldig e-postadresse"),
        ("kari@example", "Skriv inn en gyldig e-postadresse"),
        ("<script>@example.no", "Skriv inn en gyldig e-postadresse"),
        ("a" * 250 + "@example.no", "E-postadressen er for lang."),
    ],
)
def test_bad_email_address_is_refused_with_a_message_tied_to_the_field(
    client, mailoutbox, email, message
):
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    response = client.post(request_url(nomination=nomination), {"email": email})

    assert response.status_code == 400
    assert message in response.text
    assert 'aria-describedby="email-hint email-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_missing_email_field_is_refused(client, mailoutbox):
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    response = client.post(request_url(nomination=nomination), {})

    assert response.status_code == 400
    assert "Skriv inn e-postadressen din." in response.text
    assert mailoutbox == []


def test_unknown_nominee_is_not_found(client, mailoutbox):
    prize_round = make_round(year=2030)

    assert client.get("/nb/2030/atlantis/").status_code == 404
    response = client.post("/nb/2030/atlantis/stem/", {"email": "kari@example.no"})
    assert response.status_code == 404
    assert "Fant ikke siden" in response.text
    assert client.get(f"/nb/{prize_round.year + 1}/").status_code == 404
    assert mailoutbox == []


def test_nominee_of_an_unpublished_round_is_not_found(client, mailoutbox):
    nomination = make_nomination(prize_round=make_round(phase=Phase.DRAFT), name="Voss")

    assert client.get(nomination.get_absolute_url()).status_code == 404
    assert client.get(nomination.round.get_absolute_url()).status_code == 404
    assert (
        client.post(request_url(nomination=nomination), {"email": "kari@example.no"}).status_code
        == 404
    )
    assert "Voss" not in client.get("/nb/").text
    assert mailoutbox == []


def test_nominee_of_another_round_is_not_found_in_this_round(client, mailoutbox):
    baerum = make_municipality(name="Bærum")
    make_nomination(
        prize_round=make_round(year=2018, phase=Phase.WINNER_ANNOUNCED), municipality=baerum
    )
    make_nomination(prize_round=make_round(year=2030), name="Asker")

    assert client.get(f"/nb/2030/{baerum.slug}/").status_code == 404
    response = client.post(f"/nb/2030/{baerum.slug}/stem/", {"email": "kari@example.no"})
    assert response.status_code == 404
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (Phase.NOMINEES_PUBLISHED, "Avstemningen åpner"),
        (Phase.VOTING_CLOSED, "Avstemningen ble avsluttet"),
        (Phase.WINNER_ANNOUNCED, "Vinneren ble kunngjort"),
    ],
)
def test_vote_request_outside_the_voting_window_is_refused(client, mailoutbox, phase, message):
    nomination = make_nomination(prize_round=make_round(phase=phase), name="Asker")

    page = client.get(nomination.get_absolute_url())
    assert page.status_code == 200
    assert 'name="email"' not in page.text

    response = client.post(request_url(nomination=nomination), {"email": "kari@example.no"})
    assert response.status_code == 403
    assert message in response.text
    assert mailoutbox == []


def move_schedule(prize_round: PrizeRound, by: timedelta) -> None:
    for field in (
        "nominees_published_at",
        "voting_opens_at",
        "voting_closes_at",
        "finalists_announced_at",
        "winner_announced_at",
    ):
        setattr(prize_round, field, getattr(prize_round, field) + by)
    prize_round.save()


def test_link_confirmed_after_voting_closed_is_not_counted(client, mailoutbox, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client.post(request_url(nomination=nomination), {"email": "kari@example.no"})
    move_schedule(nomination.round, -timedelta(hours=36))

    page = client.get(confirm_path())
    assert page.status_code == 403
    assert "Avstemningen ble avsluttet" in page.text
    assert "<button" not in page.text

    response = client.post(confirm_path())
    assert response.status_code == 403
    assert "Avstemningen er avsluttet." in response.text
    assert "Stemmen er ikke registrert." in response.text
    assert Vote.objects.count() == 0


def test_link_for_a_round_that_is_not_yet_open_is_not_counted(client):
    nomination = make_nomination(
        prize_round=make_round(phase=Phase.NOMINEES_PUBLISHED), name="Voss"
    )
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    response = client.post(reverse("voting:confirm", args=[token]))

    assert response.status_code == 403
    assert "Avstemningen har ikke åpnet ennå." in response.text
    assert Vote.objects.count() == 0


def tampered_tokens(token: str) -> dict[str, str]:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[30] ^= 1  # a bit of the ciphertext
    flipped = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    other_key = Fernet(Fernet.generate_key()).encrypt(b'[1, "' + b"0" * 64 + b'", "example.no"]')
    last_changed = token[:-1] + {"A": "B", "B": "A"}.get(token[-1], "A")
    return {
        "flipped ciphertext": flipped,
        "truncated": token[: len(token) // 2],
        "MAC cut off": token[:-43],
        "encrypted with another key": other_key.decode().rstrip("="),
        "old signed format": signing.dumps([1, "0" * 64, "example.no"], salt=confirmation.SALT),
        "last character changed": last_changed,
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "flipped ciphertext",
        "truncated",
        "MAC cut off",
        "encrypted with another key",
        "old signed format",
        "last character changed",
        "garbage",
    ],
)
def test_tampered_or_truncated_link_is_refused(client, kind):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = tampered_tokens(confirmation.make_token(nomination=nomination, address="k@example.no"))[
        kind
    ]
    url = reverse("voting:confirm", args=[token])

    page = client.get(url)
    response = client.post(url)

    assert page.status_code == 400
    assert response.status_code == 400
    assert "Lenken er ugyldig" in response.text
    assert Vote.objects.count() == 0


def test_link_for_a_nomination_that_no_longer_is_published_is_refused(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")
    PrizeRound.objects.filter(pk=nomination.round_id).update(
        nominees_published_at=None, voting_opens_at=None, voting_closes_at=None
    )

    response = client.post(reverse("voting:confirm", args=[token]))

    assert response.status_code == 400
    assert Vote.objects.count() == 0


def test_expired_link_is_refused(client, settings, mailoutbox, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client.post(request_url(nomination=nomination), {"email": "kari@example.no"})
    settings.VOTE_CONFIRMATION_MAX_AGE = -1

    page = client.get(confirm_path())
    response = client.post(confirm_path())

    assert page.status_code == 410
    assert response.status_code == 410
    assert "Lenken er utløpt" in response.text
    assert Vote.objects.count() == 0


def test_link_expires_after_the_configured_time(client, settings, mailoutbox, confirm_path):
    settings.VOTE_CONFIRMATION_MAX_AGE = 2 * 3600
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client.post(request_url(nomination=nomination), {"email": "kari@example.no"})

    assert "2 timer" in mailoutbox[0].body
    assert client.post(confirm_path()).status_code == 200


def test_vote_request_without_csrf_token_is_refused(mailoutbox):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client = Client(enforce_csrf_checks=True)

    response = client.post(request_url(nomination=nomination), {"email": "kari@example.no"})

    assert response.status_code == 403
    assert "Skjemaet kunne ikke sendes" in response.text
    assert mailoutbox == []


def test_confirmation_without_csrf_token_is_refused():
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("voting:confirm", args=[token]))

    assert response.status_code == 403
    assert "Skjemaet kunne ikke sendes" in response.text
    assert Vote.objects.count() == 0


def test_confirm_page_carries_a_csrf_token_that_lets_the_vote_through():
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")
    client = Client(enforce_csrf_checks=True)
    url = reverse("voting:confirm", args=[token])

    page = client.get(url)
    # As a browser does: the token in the page's form, with the cookie.
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(url, {"csrfmiddlewaretoken": csrf})

    assert response.status_code == 200
    assert Vote.objects.count() == 1


def test_get_on_the_vote_request_url_is_not_allowed(client, mailoutbox):
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    response = client.get(request_url(nomination=nomination))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Denne handlingen er ikke tillatt her" in response.text
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_on_the_confirm_url_are_not_allowed(client, method):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    response = getattr(client, method)(reverse("voting:confirm", args=[token]))

    assert response.status_code == 405
    assert "Denne handlingen er ikke tillatt her" in response.text
    assert Vote.objects.count() == 0


def test_pages_are_post_only_where_they_change_things(client):
    make_nomination(prize_round=make_round(year=2030), name="Asker")

    assert client.post("/nb/").status_code == 405
    assert client.post("/nb/2030/").status_code == 405
