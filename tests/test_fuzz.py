"""Bad input, tried for real: generated e-mail fields and confirmation links,
oversized and mis-typed bodies, broken encodings and CSRF. Every one gets a
clear page with a 4xx status and changes nothing."""

import string
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_nomination, make_round, request_url
from voting import confirmation, integrity
from voting.models import Vote

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The fuzzing is about input, not speed: no limit may answer in its place.
NO_LIMITS = {
    "RATELIMIT_VOTE_REQUEST": "100000/m",
    "RATELIMIT_VOTE_CONFIRM": "100000/m",
    "RATELIMIT_EMAILS_PER_ADDRESS": "100000/h",
}


@pytest.fixture
def nomination(settings):
    for name, value in NO_LIMITS.items():
        setattr(settings, name, value)
    return make_nomination(prize_round=make_round(), name="Asker")


def assert_clear_refusal(response, status: int = 400) -> None:
    assert response.status_code == status
    assert "<h1" in response.text  # a whole page, not a bare error
    assert 'lang="nb"' in response.text


@FUZZ
@given(email=st.one_of(st.text(max_size=300), st.emails(), st.from_regex(r"[^@]*@[^@]*")))
def test_any_email_field_is_either_mailed_or_refused_with_a_message(nomination, email):
    before = len(mail.outbox)

    response = Client().post(request_url(nomination=nomination), {"email": email})

    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert_clear_refusal(response)
        assert 'class="error"' in response.text or "notice--error" in response.text
        assert len(mail.outbox) == before
    else:
        assert len(mail.outbox) == before + 1
    assert Vote.objects.count() == 0


TOKEN_CHARS = string.ascii_letters + string.digits + ":-_=.~%"


@FUZZ
@given(token=st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=400))
def test_any_made_up_confirmation_link_is_refused_and_counts_nothing(nomination, token):
    path = reverse("voting:confirm", args=["x"]).replace("/x/", f"/{quote(token, safe='')}/")

    for response in (Client().get(path), Client().post(path)):
        assert response.status_code in (400, 404), response.status_code
        assert 'lang="nb"' in response.text
    assert Vote.objects.count() == 0


@FUZZ
@given(data=st.data())
def test_any_single_change_to_a_real_link_is_refused(nomination, data):
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.sampled_from(string.ascii_letters + string.digits + "-_"))
    tampered = token[:position] + replacement + token[position + 1 :]
    if tampered == token:
        return

    response = Client().post(reverse("voting:confirm", args=[tampered]))

    assert response.status_code in (400, 410)  # 410 only if the timestamp moved back a lot
    assert Vote.objects.count() == 0


def test_an_oversized_body_is_refused_with_a_page_and_no_mail(nomination, settings, mailoutbox):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

    response = Client().post(
        request_url(nomination=nomination),
        "email=" + "a" * (128 * 1024) + "%40example.no",
        content_type="application/x-www-form-urlencoded",
    )

    assert_clear_refusal(response)
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"email": "kari@example.no"}'),
        ("text/plain", "email=kari@example.no"),
        ("application/xml", "<email>kari@example.no</email>"),
    ],
)
def test_a_body_of_another_content_type_is_refused_as_an_empty_form(
    nomination, mailoutbox, content_type, body
):
    response = Client().post(request_url(nomination=nomination), body, content_type=content_type)

    assert_clear_refusal(response)
    assert "Skriv inn e-postadressen din." in response.text
    assert mailoutbox == []


@pytest.mark.parametrize(
    "body",
    [b"email=%FF%FE%FD%40example.no", b"email=kari\xff\xfe@example.no", b"\xc3\x28=\xa0\xa1"],
)
def test_bytes_that_are_not_utf8_are_refused_with_a_message(nomination, mailoutbox, body):
    response = Client().post(
        request_url(nomination=nomination), body, content_type="application/x-www-form-urlencoded"
    )

    assert_clear_refusal(response)
    assert mailoutbox == []


def test_a_wrong_csrf_token_is_refused_like_a_missing_one(nomination, mailoutbox):
    client = Client(enforce_csrf_checks=True)
    client.get(nomination.get_absolute_url())  # sets the CSRF cookie

    response = client.post(
        request_url(nomination=nomination),
        {"email": "kari@example.no", "csrfmiddlewaretoken": "x" * 64},
    )

    assert_clear_refusal(response, status=403)
    assert "Skjemaet kunne ikke sendes" in response.text
    assert mailoutbox == []


def test_a_replayed_confirmation_post_counts_once_and_says_so(nomination):
    path = reverse(
        "voting:confirm",
        args=[confirmation.make_token(nomination=nomination, address="kari@example.no")],
    )
    client = Client()
    first = client.post(path)
    vote = Vote.objects.get()

    replays = [client.post(path) for _ in range(4)]

    assert first.status_code == 200
    assert "Stemmen din er registrert" in first.text
    assert vote.receipt in first.text
    for replay in replays:
        assert replay.status_code == 409
        assert "Du har allerede stemt" in replay.text
        assert "Ingenting er endret." in replay.text
        assert vote.receipt not in replay.text
    assert Vote.objects.count() == 1
    assert Vote.objects.get() == vote
    assert Vote.objects.get().nomination == nomination
    counts = integrity.counters(nomination.round)
    assert (counts.votes_confirmed, counts.repeats_refused) == (1, 4)
