"""Requests no browser of ours sends: a foreign Host header, a form in another
charset than UTF-8, HEAD, and methods no public view takes. Each gets the right
status and a readable page in the language of the address (HEAD: the GET's
answer without its body), and nothing is written or sent."""

import re
import wsgiref.util

import pytest
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import make_vote
from voting import confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db

BAD_REQUEST = {"nb": "Ugyldig forespørsel", "nn": "Ugyldig førespurnad", "en": "Bad request"}
NOT_ALLOWED = {
    "nb": "Denne handlingen er ikke tillatt her",
    "nn": "Denne handlinga er ikkje tillaten her",
    "en": "This action is not allowed here",
}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def in_language(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def public_post_paths(nomination, language: str = "nb") -> dict[str, str]:
    """Each public POST endpoint, with the page whose form posts to it."""
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")
    with translation.override(language):
        nominee = nomination.get_absolute_url()
        confirm = reverse("voting:confirm", args=[token])
        receipt = reverse("voting:receipt")
    return {
        "vote request": (nominee + "stem/", nominee),
        "confirmation": (confirm, confirm),
        "receipt check": (receipt, receipt),
    }


def csrf_client(form_path: str, *, secure: bool = False) -> tuple[Client, str]:
    """A client that enforces CSRF, as a browser holding the form at ``form_path``."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(form_path, secure=secure)
    assert page.status_code == 200
    return client, CSRF_FIELD.search(page.text).group(1)


# A foreign Host header


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", ""])
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_foreign_host_header_gets_the_400_page_in_the_language_of_the_address(
    client, asker, host, language
):
    response = client.get(f"/{language}/", headers={"host": host})

    assert response.status_code == 400
    assert f"<h1>{BAD_REQUEST[language]}</h1>" in response.text
    assert f'<html lang="{language}">' in response.text
    # The switcher is still there, with links on the site, not on the foreign host.
    assert f'hreflang="{language}" aria-current="true"' in response.text
    assert "evil.example" not in response.text
    # The alternate links are on the configured public address.
    head = re.search(r"<head>.*</head>", response.text, re.S).group(0)
    assert set(re.findall(r'href="(https?://[^/"]+)', head)) <= {settings.PUBLIC_BASE_URL}


def test_a_vote_request_with_a_foreign_host_header_sends_nothing(client, asker, mailoutbox):
    response = client.post(
        asker.get_absolute_url() + "stem/",
        {"email": "kari@example.no"},
        headers={"host": "evil.example"},
    )

    assert response.status_code == 400
    assert BAD_REQUEST["nb"] in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_a_foreign_host_refused_before_the_language_is_read_still_gets_the_addresss_language(
    settings, asker
):
    # With the HTTPS redirect on, SecurityMiddleware asks for the host first,
    # before LocaleMiddleware has read the language from the address; a
    # request in nynorsk just before, in the same thread, must not decide it.
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/nn/", secure=True).status_code == 200

    response = client.get("/en/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert f"<h1>{BAD_REQUEST['en']}</h1>" in response.text
    assert '<html lang="en">' in response.text


# A form in another charset than UTF-8


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "iso-8859-1", "x-no-such-charset"])
@pytest.mark.parametrize("endpoint", ["vote request", "confirmation", "receipt check"])
def test_a_form_posted_in_another_charset_than_utf_8_gets_the_400_page(
    asker, mailoutbox, charset, endpoint
):
    path, form_path = public_post_paths(asker)[endpoint]
    client, token = csrf_client(form_path)
    body = f"csrfmiddlewaretoken={token}&email=kari%40example.no&receipt=ABCD-EFGH"

    response = client.generic(
        "POST",
        path,
        body.encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400
    assert f"<h1>{BAD_REQUEST['nb']}</h1>" in response.text
    assert "Content-Security-Policy" in response.headers
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_the_400_page_for_a_form_in_another_charset_is_in_the_language_of_the_address(asker):
    path, form_path = public_post_paths(asker, "en")["vote request"]
    client, token = csrf_client(form_path)

    response = client.generic(
        "POST",
        path,
        f"csrfmiddlewaretoken={token}&email=kari%40example.no".encode("utf-16"),
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )

    assert response.status_code == 400
    assert f"<h1>{BAD_REQUEST['en']}</h1>" in response.text


@pytest.mark.parametrize("https_redirect", [False, True])
def test_a_form_in_another_charset_with_a_foreign_host_header_gets_the_400_page(
    settings, asker, mailoutbox, https_redirect
):
    # Refusing the host first would render Django's 400 page, whose CSRF
    # check reads the form that cannot be read.
    settings.SECURE_SSL_REDIRECT = https_redirect
    path, form_path = public_post_paths(asker, "nn")["vote request"]
    client, token = csrf_client(form_path, secure=True)

    response = client.generic(
        "POST",
        path,
        f"csrfmiddlewaretoken={token}&email=kari%40example.no".encode(),
        content_type="application/x-www-form-urlencoded; charset=latin-1",
        headers={"host": "evil.example"},
    )

    assert response.status_code == 400
    assert f"<h1>{BAD_REQUEST['nn']}</h1>" in response.text
    assert mailoutbox == []


def test_a_multipart_form_in_another_charset_than_utf_8_gets_the_400_page(asker, mailoutbox):
    path, form_path = public_post_paths(asker)["vote request"]
    client, _token = csrf_client(form_path)

    response = client.generic(
        "POST",
        path,
        b'--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nkari@example.no\r\n--x--\r\n',
        content_type="multipart/form-data; boundary=x; charset=utf-16",
    )

    assert response.status_code == 400
    assert mailoutbox == []


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_a_form_posted_in_utf_8_declared_in_any_spelling_is_taken(asker, mailoutbox, charset):
    path, form_path = public_post_paths(asker)["vote request"]
    client, token = csrf_client(form_path)

    response = client.generic(
        "POST",
        path,
        f"csrfmiddlewaretoken={token}&email=kari.utf8%40example.no".encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["kari.utf8@example.no"]]


# HEAD


def page_paths(nomination) -> list[str]:
    """The public pages that take GET and HEAD only."""
    nominee = nomination.get_absolute_url()
    return [
        "/nb/",
        "/nb/2030/",
        nominee,
        nominee + "stem/sendt/",
        reverse("voting:archive"),
        reverse("voting:privacy"),
        reverse("voting:accessibility"),
        reverse("choose_language", args=["en"]) + "?neste=/nb/2030/",
    ]


def test_head_on_every_public_page_answers_as_get_without_a_body(asker):
    posts = public_post_paths(asker)
    paths = [*page_paths(asker), posts["confirmation"][0], posts["receipt check"][0]]
    for path in paths:
        for _seen in range(2):  # the second from the page cache
            # Each from a new visitor: no cookie from the one before.
            head = Client().head(path)
            get = Client().get(path)

            assert head.status_code == get.status_code, path
            assert get.status_code in (200, 302), path
            assert get.content or get.status_code == 302, path
            assert head.content == b"", path
            assert head["Content-Type"] == get["Content-Type"], path
            assert head.get("Location") == get.get("Location"), path
    assert Vote.objects.count() == 0


def through_the_wsgi_application(method: str, path: str) -> tuple[str, dict, bytes]:
    """Ask the WSGI application itself, as gunicorn does: unlike runserver
    and the test client, it sends whatever body the application gives."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
    wsgiref.util.setup_testing_defaults(environ)
    answer = {}

    def start_response(status: str, headers: list) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(get_wsgi_application()(environ, start_response))
    return answer["status"], answer["headers"], body


# Answers that read nothing from the database: at the end of a request the
# WSGI application closes connections, which the test's transaction would not
# survive.
@pytest.mark.parametrize("path", ["/nb/personvern/", "/nb/2030/asker/stem/"])
def test_the_application_itself_answers_head_without_a_body(path):
    get_status, get_headers, get_body = through_the_wsgi_application("GET", path)

    status, headers, body = through_the_wsgi_application("HEAD", path)

    assert status == get_status
    assert get_body
    assert body == b""
    assert headers["Content-Length"] == str(len(get_body))
    assert headers["Content-Type"] == get_headers["Content-Type"]


def test_a_page_first_asked_for_with_head_is_whole_on_the_next_get(client, asker):
    client.head(asker.get_absolute_url())

    response = client.get(asker.get_absolute_url())

    assert "<h1>Asker</h1>" in response.text
    assert CSRF_FIELD.search(response.text)


# Methods no public view takes


def allowed_methods(nomination) -> dict[str, str]:
    """Each public path and the methods it takes, as its Allow header says."""
    posts = public_post_paths(nomination)
    return {
        **{path: "GET, HEAD" for path in page_paths(nomination)},
        posts["vote request"][0]: "POST",
        posts["confirmation"][0]: "GET, HEAD, POST",
        posts["receipt check"][0]: "GET, HEAD, POST",
    }


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_method_a_public_view_does_not_take_gets_405_with_allow_not_a_csrf_403(
    asker, mailoutbox, method
):
    client = Client(enforce_csrf_checks=True)
    for path, allow in allowed_methods(asker).items():
        response = client.generic(method, path, b"email=kari%40example.no")

        assert response.status_code == 405, path
        assert response["Allow"] == allow, path
        assert f"<h1>{NOT_ALLOWED['nb']}</h1>" in response.text, path
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_a_post_to_a_page_that_takes_none_gets_405_not_a_csrf_403(asker):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/en/2030/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert f"<h1>{NOT_ALLOWED['en']}</h1>" in response.text


@pytest.mark.parametrize("endpoint", ["vote request", "confirmation", "receipt check"])
def test_csrf_still_guards_every_public_post(asker, mailoutbox, endpoint):
    path, _form = public_post_paths(asker)[endpoint]
    client = Client(enforce_csrf_checks=True)

    response = client.post(path, {"email": "kari@example.no", "receipt": "ABCD-EFGH"})

    assert response.status_code == 403
    assert "Skjemaet kunne ikke sendes" in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_a_receipt_check_with_the_forms_token_goes_through(asker):
    vote = make_vote(nomination=asker, voter_key="1" * 64)
    client, token = csrf_client(reverse("voting:receipt"))

    response = client.post(
        reverse("voting:receipt"), {"csrfmiddlewaretoken": token, "receipt": vote.receipt}
    )

    assert response.status_code == 200
    assert vote.receipt in response.text
