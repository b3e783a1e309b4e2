"""A citizen votes in an ID-porten round in Chromium, against the live server
and the local ID-porten: the nominee page's button, the login at the
provider, the logout that ends the ID-porten session, the same ballot page
and receipt as from an e-mail link. The pages are checked with axe, and
photographed on a phone and a desktop (tests/browser/screenshots/)."""

import re

import pytest

from nominees.models import Verification
from tests.factories import configure_idporten, make_nomination, make_round
from tests.idporten_provider import CALLBACK_PATH, LOGGED_OUT_PATH, LOW
from voting import identity
from voting.models import Vote

from .helpers import SCREENSHOTS, assert_accessible, assert_fits_and_tappable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PID = "24079421234"


@pytest.fixture
def idporten_live(live_server, settings, idporten):
    """The app at the live server set up for the local ID-porten."""
    idporten.allow(live_server.url)
    configure_idporten(settings=settings, provider=idporten)
    settings.IDPORTEN_REDIRECT_URL = live_server.url + CALLBACK_PATH
    settings.IDPORTEN_POST_LOGOUT_REDIRECT_URL = live_server.url + LOGGED_OUT_PATH
    return idporten


@pytest.fixture
def asker():
    prize_round = make_round(year=2030, verification=Verification.IDPORTEN)
    make_nomination(prize_round=prize_round, name="Voss")
    return make_nomination(prize_round=prize_round, name="Asker")


def log_in(page, *, pid: str, acr: str | None = None) -> None:
    """At the provider's login page: the number, the level, and log in."""
    page.wait_for_selector("#pid")
    page.fill("#pid", pid)
    if acr:
        page.select_option("#acr", acr)
    page.get_by_role("button", name="Logg inn").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_citizen_votes_with_idporten_in_a_real_browser(
    live_server, open_page, idporten_live, asker, javascript
):
    page = open_page(javascript=javascript)
    page.goto(live_server.url + asker.get_absolute_url())
    if javascript:  # axe runs as a script in the page
        assert_accessible(page, "the nominee page of an ID-porten round")
    assert page.locator("input[type=email]").count() == 0

    page.get_by_role("button", name="Stem på Asker med ID-porten").click()
    page.wait_for_url(idporten_live.issuer + "/**")
    log_in(page, pid=PID)
    if not javascript:  # the provider's logout page posts itself with a script
        page.wait_for_selector("button")
        page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/nb/stem/bekreft/[^/]+/$"))

    assert page.locator("h1").inner_text() == "Bekreft stemmen din"
    assert not Vote.objects.exists()
    if javascript:
        assert_accessible(page, "the ballot after an ID-porten login")
    page.get_by_role("button", name="Bekreft stemmen på Asker").click()
    page.wait_for_selector("strong.receipt")
    assert page.locator("h1").inner_text() == "Stemmen din er registrert"
    vote = Vote.objects.get()
    assert page.locator("strong.receipt").inner_text() == vote.receipt
    assert vote.nomination == asker
    assert vote.voter_key == identity.idporten_voter_key(PID)
    assert vote.email_domain == ""
    # The browser keeps no session cookie of the login: it was emptied at the ballot.
    cookies = {cookie["name"] for cookie in page.context.cookies(live_server.url)}
    assert "sessionid" not in cookies


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_idporten_pages_fit_phones_and_desktops(
    live_server, open_page, idporten_live, asker, language, width
):
    page = open_page(width=width)
    slug = asker.municipality.slug
    page.goto(f"{live_server.url}/{language}/2030/{slug}/#stem")
    assert_fits_and_tappable(page, "the nominee page", check_targets=width == 375)
    page.locator("#stem").screenshot(path=SCREENSHOTS / f"idporten-vote-{language}-{width}.png")

    page.locator("#stem button").click()
    log_in(page, pid=PID, acr=LOW)
    page.wait_for_url(live_server.url + CALLBACK_PATH + "**")

    assert (
        page.locator("h1").inner_text()
        == {
            "nb": "Sikkerhetsnivået er for lavt",
            "en": "The level of assurance is too low",
        }[language]
    )
    assert_accessible(page, "the refused login")
    assert_fits_and_tappable(page, "the refused login", check_targets=width == 375)
    page.screenshot(path=SCREENSHOTS / f"idporten-refused-{language}-{width}.png", full_page=True)
    assert not Vote.objects.exists()
