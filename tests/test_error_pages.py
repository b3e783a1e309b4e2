"""The 500 and 503 pages look like every other page (skip link, header with
the language switcher, footer with the accessibility statement, the site's
stylesheet) and are in the language of the address. The 500 page does so
without the request, context processors or the database: Django renders it
with an empty Context."""

import re

import pytest
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from tests import failing

HEADINGS_500 = {"nb": "Noe gikk galt", "nn": "Noko gjekk gale", "en": "Something went wrong"}
HEADINGS_503 = {
    "nb": "Midlertidig utilgjengelig",
    "nn": "Mellombels utilgjengeleg",
    "en": "Temporarily unavailable",
}
ACCESSIBILITY = {"nb": "Tilgjengelighet", "nn": "Tilgjenge", "en": "Accessibility"}


@pytest.fixture
def failing_site(settings, client):
    settings.ROOT_URLCONF = "tests.urls"
    client.raise_request_exception = False
    return client


def assert_looks_like_the_site(html: str, language: str) -> None:
    assert re.search(rf'<html lang="{language}">', html)
    assert f'<link rel="stylesheet" href="{static("css/site.css")}">' in html
    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<header class="site-header">' in html
    assert '<main id="main"' in html
    assert '<footer class="site-footer">' in html
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)
    assert set(re.findall(r'hreflang="(\w+)"', switcher)) == {"nb", "nn", "en"}
    current = re.findall(r'<a [^>]*aria-current="true"[^>]*>', switcher)
    assert len(current) == 1 and f'hreflang="{language}"' in current[0]
    with translation.override(language):
        statement = reverse("voting:accessibility")
        home = reverse("nominees:home")
    assert statement == f"/{language}/tilgjengelighet/"
    assert f'<a href="{statement}">{ACCESSIBILITY[language]}</a>' in html
    assert f'<a href="{home}">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_bug_answers_500_with_the_sites_page_in_the_language_of_the_address(
    failing_site, language
):
    response = failing_site.get(f"/{language}/{failing.BUG}")

    assert response.status_code == 500
    assert f"<h1>{HEADINGS_500[language]}</h1>" in response.text
    assert_looks_like_the_site(response.text, language)
    assert "RuntimeError" not in response.text


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_500_page_needs_no_request_context_processors_or_database(language):
    # No django_db mark: any query while rendering fails the test.
    with translation.override(language):
        html = loader.get_template("500.html").render()

    assert f"<h1>{HEADINGS_500[language]}</h1>" in html
    assert_looks_like_the_site(html, language)
    # Without the request it cannot know the page, so it offers each front page.
    assert '<a href="/sprak/nn/" lang="nn" hreflang="nn"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_database_outage_answers_503_with_the_sites_page_in_the_language_of_the_address(
    failing_site, language
):
    response = failing_site.get(f"/{language}/{failing.DATABASE_DOWN}")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert f"<h1>{HEADINGS_503[language]}</h1>" in response.text
    assert_looks_like_the_site(response.text, language)
