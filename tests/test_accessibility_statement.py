"""The accessibility statement (tilgjengelighetserklæring): the standard, how
it is tested, how to report a problem, and a link to it in every footer."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from nominees.models import Phase
from tests.factories import make_nomination, make_round
from website.views.statements import AXE_CORE_VERSION

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_the_statement_names_the_standard_the_tests_and_where_to_complain(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "uu@imdi.example"

    response = client.get(reverse("voting:accessibility"))

    assert response.status_code == 200
    html = response.content.decode()
    # A soft hyphen where the compound joins, for narrow screens.
    assert "<h1>Tilgjengelighets&shy;erklæring</h1>" in html
    assert "WCAG 2.1 på nivå A og AA" in html
    assert "Uutilsynet" in html
    assert f"axe-core {AXE_CORE_VERSION}" in html
    assert "bare med tastaturet" in html
    assert "JavaScript slått av" in html
    assert "375 og 1280 piksler" in html
    assert '<a href="mailto:uu@imdi.example">uu@imdi.example</a>' in html
    assert 'href="https://www.uutilsynet.no/"' in html


def test_the_statement_refuses_a_post(client):
    response = client.post(reverse("voting:accessibility"))

    assert response.status_code == 405


def test_every_kind_of_public_page_links_to_the_statement_in_its_footer(client):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    nomination = make_nomination(prize_round=prize_round, name="Asker")
    link = f'href="{reverse("voting:accessibility")}"'
    pages = [
        reverse("nominees:home"),
        prize_round.get_absolute_url(),
        nomination.get_absolute_url(),
        reverse("voting:archive"),
        reverse("voting:receipt"),
        reverse("voting:privacy"),
        reverse("voting:accessibility"),
        reverse("nominees:home") + "finnes-ikke/",
    ]

    for path in pages:
        response = client.get(path, follow=True)
        html = response.content.decode()
        footer = html[html.index("<footer") :]
        assert link in footer, path
        assert ">Tilgjengelighet</a>" in footer, path


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_address_the_readme_gives_in_a_language_opens_its_page_in_that_language(
    client, language
):
    # The statement, the privacy page and the receipt check among them.
    addresses = set(re.findall(rf"`(/{language}/[^`<>\s]*)`", README.read_text(encoding="utf-8")))

    pages = {address: client.get(address) for address in addresses}

    with translation.override(language):
        named = {
            reverse(name) for name in ("voting:accessibility", "voting:privacy", "voting:receipt")
        }
    assert named <= addresses
    assert {a: page.status_code for a, page in pages.items()} == dict.fromkeys(addresses, 200)
    for address, page in pages.items():
        assert f'<html lang="{language}">' in page.text, address


def test_the_contact_address_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.ACCESSIBILITY_CONTACT_EMAIL)"
    base = {k: v for k, v in os.environ.items() if k != "ACCESSIBILITY_CONTACT_EMAIL"}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"

    def read(env):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert read(base) == "post@imdi.no"
    assert read({**base, "ACCESSIBILITY_CONTACT_EMAIL": "tilgjengelighet@imdi.no"}) == (
        "tilgjengelighet@imdi.no"
    )
