"""axe-core (tests/browser/vendor, pinned) finds no WCAG 2.1 A or AA violation
on any public page, in every phase of a round and in every language of
settings.LANGUAGES, the error pages (500 and 503 included) and the 429 page
too. A few things axe cannot judge alone are asserted directly: one h1 and no
skipped heading level, the landmarks, errors tied to their field, and alt text
on images."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from nominees.models import Nomination, Phase
from tests import failing
from tests.factories import make_vote
from voting import confirmation, services

from .helpers import (
    LANGUAGES,
    assert_accessible,
    axe_violations,
    reschedule,
    round_in_phase,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PHASES = [
    Phase.NOMINEES_PUBLISHED,
    Phase.VOTING_OPEN,
    Phase.VOTING_CLOSED,
    Phase.FINALISTS_ANNOUNCED,
    Phase.WINNER_ANNOUNCED,
]

STRUCTURE = """() => {
  const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .map(h => Number(h.tagName[1]));
  const skipped = levels.filter((level, i) => i > 0 && level > levels[i - 1] + 1);
  return {
    lang: document.documentElement.lang,
    h1: levels.filter(level => level === 1).length,
    firstLevel: levels[0],
    skipped: skipped.length,
    banner: document.querySelectorAll('body > header').length,
    main: document.querySelectorAll('main').length,
    contentinfo: document.querySelectorAll('body > footer').length,
    skipLink: document.querySelector('body > a.skip-link')?.getAttribute('href'),
    imagesWithoutAlt: [...document.querySelectorAll('img')]
      .filter(img => !(img.getAttribute('alt') || '').trim()).length,
    images: document.querySelectorAll('img').length,
    fieldsWithoutLabel: [...document.querySelectorAll('main input, main select, main textarea')]
      .filter(el => el.type !== 'hidden' && !el.closest('[aria-hidden="true"]'))
      .filter(el => !(el.labels && el.labels.length)).length,
  };
}"""


def check(page, where: str, language: str, *, status: int | None = None, response=None) -> None:
    """axe and the structure assertions on the page as loaded now."""
    if status is not None:
        assert response is not None and response.status == status, (
            where,
            response and response.status,
        )
    assert_accessible(page, where)
    found = page.evaluate(STRUCTURE)
    assert found["lang"] == language, (where, found)
    assert found["h1"] == 1 and found["firstLevel"] == 1, (where, found)
    assert found["skipped"] == 0, (where, found)
    assert (found["banner"], found["main"], found["contentinfo"]) == (1, 1, 1), (where, found)
    assert found["skipLink"] == "#main", (where, found)
    assert found["imagesWithoutAlt"] == 0, (where, found)
    assert found["fieldsWithoutLabel"] == 0, (where, found)


def path(name: str, *args, language: str) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def nominee_path(nomination: Nomination, language: str) -> str:
    with translation.override(language):
        return nomination.get_absolute_url()


def give_image(nomination: Nomination) -> None:
    png = io.BytesIO()
    Image.new("RGB", (600, 315), "#00504b").save(png, format="PNG")
    nomination.image.save("bilde.png", ContentFile(png.getvalue()), save=False)
    nomination.image_alt = "Nye innbyggere og frivillige på en dugnad ved skolen."
    nomination.save()


@pytest.mark.parametrize("phase", PUBLIC_PHASES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_passes_axe_in_each_phase(
    live_server, page, settings, tmp_path, phase, language
):
    settings.MEDIA_ROOT = tmp_path
    prize_round = round_in_phase(phase)
    asker = prize_round.nominations.get(municipality__name="Asker")
    tromso = prize_round.nominations.get(municipality__name="Tromsø")
    give_image(tromso)
    pages = {
        "front page": path("nominees:home", language=language),
        "round page": path("nominees:round", prize_round.year, language=language),
        "nominee page (Asker)": nominee_path(asker, language),
        "nominee page with an image (Tromsø)": nominee_path(tromso, language),
        "archive": path("voting:archive", language=language),
        "receipt check": path("voting:receipt", language=language),
        "privacy": path("voting:privacy", language=language),
        "accessibility statement": path("voting:accessibility", language=language),
        "how to check the count": path("voting:count_check", language=language),
    }

    for where, target in pages.items():
        response = page.goto(live_server.url + target)
        check(page, f"{where}, {phase.label}", language, status=200, response=response)
    # Shown only once the results are out: the winner's and finalists' badges.
    if phase == Phase.WINNER_ANNOUNCED:
        page.goto(live_server.url + nominee_path(asker, language))
        assert page.locator("main .badge--winner").count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_result_with_a_tie_resolved_at_the_cut_passes_axe(live_server, page, language):
    """Voss draws level with Gjøvik for the third place; staff let Gjøvik through."""
    prize_round = round_in_phase(Phase.VOTING_CLOSED)
    voss = prize_round.nominations.get(municipality__name="Voss")
    for n in range(2):
        make_vote(
            nomination=voss,
            voter_key=f"tie-{n:060d}",
            at=prize_round.voting_closes_at - timedelta(minutes=1),
        )
    reschedule(prize_round, Phase.FINALISTS_ANNOUNCED)
    tally = services.count_votes(prize_round=prize_round)
    gjovik = prize_round.nominations.get(municipality__name="Gjøvik")
    services.resolve_tie(tally=tally, nominations=[gjovik], reason="Avgjort ved loddtrekning.")

    response = page.goto(live_server.url + path("nominees:round", 2030, language=language))

    check(page, "round page with a resolved tie", language, status=200, response=response)
    assert page.locator("main .tie").count() == 1
    assert page.locator("main .report .tie__reason").count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_round_in_a_fair_order_with_running_counts_passes_axe(live_server, page, language):
    prize_round = round_in_phase(Phase.VOTING_OPEN)
    prize_round.publish_running_counts = True
    prize_round.save()

    for where, target in {
        "front page": path("nominees:home", language=language),
        "round page": path("nominees:round", prize_round.year, language=language),
    }.items():
        response = page.goto(live_server.url + target)
        check(page, f"{where} with running counts", language, status=200, response=response)
        assert page.locator("main .order-note").count() == 1
        assert page.locator("main .open-data a").count() == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_vote_its_refusals_and_the_error_pages_pass_axe(
    live_server, open_page, settings, mailoutbox, confirm_path, language
):
    prize_round = round_in_phase(Phase.VOTING_OPEN)
    voss = prize_round.nominations.get(municipality__name="Voss")
    voss_path = nominee_path(voss, language)
    request_path = path(
        "voting:request", prize_round.year, voss.municipality.slug, language=language
    )
    page = open_page()

    def visit(target: str, where: str, status: int) -> None:
        check(page, where, language, status=status, response=page.goto(live_server.url + target))

    def submit(where: str, status: int, button: str = "main form button") -> None:
        with page.expect_navigation() as navigation:
            page.locator(button).press("Enter")
        check(page, where, language, status=status, response=navigation.value)

    # 400: a malformed address, the error tied to the field.
    page.goto(live_server.url + voss_path)
    page.locator("#id_email").fill("ikke-en-adresse")
    submit("the vote form with a bad address", 400)
    email = page.locator("#id_email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "email-error" in email.get_attribute("aria-describedby").split()
    assert page.locator("#email-error").inner_text().strip()
    assert page.locator("main [role=alert]").count() == 1

    # The e-mail is sent; the confirm page; the vote; a second confirmation (409).
    email.fill("ola@example.no")
    submit("vote requested", 200)
    link = confirm_path()
    visit(link, "confirm page", 200)
    # The same ballot left open in another window, to press after voting.
    other = open_page()
    other.goto(live_server.url + link)
    submit("vote counted", 200)
    # Opened again, the link says at once that the address has voted.
    visit(link, "confirm page again, after voting", 200)
    assert page.locator("main form").count() == 0
    with other.expect_navigation() as navigation:
        other.locator("main form button").press("Enter")
    check(other, "already voted", language, status=409, response=navigation.value)

    # Links: tampered (400) and expired (410, every link is older than -1 s).
    visit(path("voting:confirm", "ugyldig-lenke", language=language), "invalid link", 400)
    settings.VOTE_CONFIRMATION_MAX_AGE = -1
    visit(link, "expired link", 410)
    settings.VOTE_CONFIRMATION_MAX_AGE = 24 * 60 * 60

    # 404 and 405.
    visit(path("nominees:home", language=language) + "finnes-ikke/", "not found", 404)
    visit(request_path, "GET on the vote form's address", 405)

    # 500 (a bug; Django renders the page with no request context) and 503 (the
    # database cannot be reached), at addresses only the tests have.
    settings.ROOT_URLCONF = "tests.urls"
    visit(f"/{language}/{failing.BUG}", "server error", 500)
    visit(f"/{language}/{failing.DATABASE_DOWN}", "database unavailable", 503)
    settings.ROOT_URLCONF = "config.urls"

    # The receipt check: a malformed code (400, tied to the field), unknown, not counted yet.
    receipt_path = path("voting:receipt", language=language)
    page.goto(live_server.url + receipt_path)
    page.locator("#id_receipt").fill("abc")
    submit("receipt check with a malformed code", 400)
    field = page.locator("#id_receipt")
    assert field.get_attribute("aria-invalid") == "true"
    assert "receipt-error" in field.get_attribute("aria-describedby").split()
    field.fill("AAAAA-AAAAA")
    submit("receipt unknown", 200)
    receipt = make_vote(nomination=voss, voter_key="k" * 64).receipt
    page.goto(live_server.url + receipt_path)
    page.locator("#id_receipt").fill(receipt)
    submit("receipt not counted yet", 200)

    # 403: the form posted without the CSRF cookie.
    page.goto(live_server.url + voss_path)
    page.context.clear_cookies()
    page.locator("#id_email").fill("kari@example.no")
    submit("CSRF failure", 403)

    # 429: too many confirmation e-mails to one address, then too many requests from one IP.
    settings.RATELIMIT_EMAILS_PER_ADDRESS = "1/h"
    page.goto(live_server.url + voss_path)
    page.locator("#id_email").fill("per@example.no")
    submit("vote requested for Per", 200)
    page.goto(live_server.url + voss_path)
    page.locator("#id_email").fill("per@example.no")
    submit("too many e-mails to one address", 429)
    assert page.locator("main [role=alert]").count() == 1
    settings.RATELIMIT_VOTE_REQUEST = "1/m"  # a new rate counts afresh: one more gets through
    for address, where, status in [
        ("anne@example.no", "vote requested for Anne", 200),
        ("nils@example.no", "rate limited (429)", 429),
    ]:
        page.goto(live_server.url + voss_path)
        page.locator("#id_email").fill(address)
        submit(where, status)
    assert page.locator("h1").count() == 1
    settings.RATELIMIT_VOTE_REQUEST = "20/m"

    # 403: the form sent after voting closed; a link opened after voting closed.
    fresh_link = make_link(voss, "lise@example.no", live_server, language)
    page.goto(live_server.url + voss_path)
    reschedule(prize_round, Phase.VOTING_CLOSED)
    page.locator("#id_email").fill("lise@example.no")
    submit("the vote form after voting closed", 403)
    visit(fresh_link, "a link opened after voting closed", 403)

    # The receipt counted, once the count is published.
    reschedule(prize_round, Phase.FINALISTS_ANNOUNCED)
    services.count_votes(prize_round=prize_round)
    page.goto(live_server.url + receipt_path)
    page.locator("#id_receipt").fill(receipt)
    submit("receipt counted", 200)
    assert receipt in page.locator("main").inner_text()


def make_link(nomination: Nomination, address: str, live_server, language: str) -> str:
    token = confirmation.make_token(nomination=nomination, address=address)
    return path("voting:confirm", token, language=language)


def test_the_archive_of_a_decided_and_an_undecided_round_passes_axe(live_server, page):
    round_in_phase(Phase.WINNER_ANNOUNCED, year=2029)
    round_in_phase(Phase.VOTING_CLOSED, year=2030)

    response = page.goto(live_server.url + path("voting:archive", language="nb"))

    check(page, "archive of two rounds", "nb", status=200, response=response)
    assert page.locator("main .archive__round").count() == 2


def test_the_accessibility_statement_names_the_axe_core_version_these_tests_run(live_server, page):
    page.goto(live_server.url + path("voting:accessibility", language="nb"))
    axe_violations(page)  # loads axe-core into the page, as every check here does

    version = page.evaluate("axe.version")

    assert f"axe-core {version} i en ekte nettleser" in page.locator("main").inner_text()


def test_the_axe_run_reports_the_violations_it_is_meant_to_find(page):
    page.set_content(
        "<!DOCTYPE html><html><head><title>Feil</title></head><body><main>"
        '<img src="data:,"><a href="/"></a>'
        '<p style="color:#bbb;background:#fff">For svak kontrast</p>'
        '<label>E-post</label><input type="email">'
        "</main></body></html>"
    )

    found = {line.split(" ")[0] for line in axe_violations(page)}

    assert {"html-has-lang", "image-alt", "link-name", "color-contrast", "label"} <= found
