"""Bokmål, nynorsk and English: language URLs, the switcher, the e-mail,
translated nominee texts with bokmål as the fallback, and dates per language."""

import re
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from nominees.models import KeyFigure, Nomination, Phase, PrizeRound, WinnerRule
from tests.factories import (
    SECOND,
    frozen_at,
    make_municipality,
    make_nomination,
    make_round,
    make_staff,
    make_vote,
    request_url,
)
from voting import services
from voting.models import JuryDecision, Vote

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.text).group(1)


def switcher_links(response) -> dict[str, str]:
    """The header's language links: hreflang -> the whole <a> tag."""
    nav = re.search(r'<nav class="language-switcher".*?</nav>', response.text, re.S).group(0)
    return {re.search(r'hreflang="(\w+)"', a).group(1): a for a in re.findall(r"<a [^>]+>", nav)}


# Language URLs


def test_front_page_without_a_language_goes_to_bokmal(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/nb/"


@pytest.mark.parametrize("accept, expected", [("nn", "/nn/"), ("en-GB,en;q=0.9", "/en/")])
def test_front_page_follows_the_browsers_language(client, accept, expected):
    response = client.get("/", headers={"accept-language": accept})

    assert response["Location"] == expected


def test_language_cookie_wins_over_the_browsers_language(client):
    client.cookies[COOKIE] = "nn"

    response = client.get("/", headers={"accept-language": "en"})

    assert response["Location"] == "/nn/"


def test_old_link_without_a_language_still_opens_the_page(client, asker):
    response = client.get(f"/2030/{asker.municipality.slug}/")

    assert response.status_code == 302
    assert response["Location"] == f"/nb/2030/{asker.municipality.slug}/"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_each_language_has_its_own_stable_url_and_html_lang(client, asker, language):
    with translation.override(language):
        url = asker.get_absolute_url()

    response = client.get(url)

    assert url == f"/{language}/2030/{asker.municipality.slug}/"
    assert response.status_code == 200
    assert html_lang(response) == language


def test_a_shared_link_opens_in_its_language_whatever_the_cookie_says(client, asker):
    client.cookies[COOKIE] = "nb"

    response = client.get(f"/en/2030/{asker.municipality.slug}/")

    assert html_lang(response) == "en"
    assert "Vote for Asker" in response.text


def test_admin_keeps_its_one_address():
    with translation.override("en"):
        assert reverse("admin:index") == "/admin/"
    assert reverse("admin:index") == "/admin/"


# The switcher


def test_switcher_links_to_the_same_page_in_each_language(client, settings, asker):
    settings.PUBLIC_BASE_URL = "https://stem.example.no"
    # The alternates are on the public address, not on the Host asked for.
    response = client.get(f"/en/2030/{asker.municipality.slug}/", HTTP_HOST="testserver:9999")

    links = switcher_links(response)
    assert set(links) == {"nb", "nn", "en"}
    assert f'href="/sprak/nn/?neste=/nn/2030/{asker.municipality.slug}/"' in links["nn"]
    assert f'href="/sprak/nb/?neste=/nb/2030/{asker.municipality.slug}/"' in links["nb"]
    assert 'lang="nn"' in links["nn"]
    assert 'aria-current="true"' in links["en"]
    assert "aria-current" not in links["nb"] + links["nn"]
    assert (
        f'<link rel="alternate" hreflang="nn" '
        f'href="https://stem.example.no/nn/2030/{asker.municipality.slug}/">' in response.text
    )


@pytest.mark.parametrize(
    "template, status", [("404", 404), ("privacy", 200), ("receipt", 200), ("archive", 200)]
)
def test_switcher_is_on_every_kind_of_public_page(client, template, status):
    path = {
        "404": "/nn/finst-ikkje/",
        "privacy": reverse("voting:privacy"),
        "receipt": reverse("voting:receipt"),
        "archive": reverse("voting:archive"),
    }[template]

    response = client.get(path)

    assert response.status_code == status
    assert set(switcher_links(response)) == {"nb", "nn", "en"}


def test_choosing_a_language_opens_the_same_page_and_is_remembered(client, asker):
    page = f"/nb/2030/{asker.municipality.slug}/"

    response = client.get("/sprak/nn/", {"neste": page})

    assert response.status_code == 302
    assert response["Location"] == f"/nn/2030/{asker.municipality.slug}/"
    assert response.cookies[COOKIE].value == "nn"
    assert response.cookies[COOKIE]["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert "Stem på Asker" in client.get(response["Location"]).text
    assert client.get("/")["Location"] == "/nn/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/nb/", "/\\evil.example/", "", "nb/"]
)
def test_choosing_a_language_never_leaves_the_site(client, target):
    response = client.get("/sprak/en/", {"neste": target})

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert response.cookies[COOKIE].value == "en"


def test_unknown_language_is_404_and_sets_nothing(client):
    response = client.get("/sprak/sv/", {"neste": "/nb/"})

    assert response.status_code == 404
    assert COOKIE not in response.cookies


def test_choosing_a_language_by_post_is_refused(client):
    response = client.post("/sprak/en/", {"neste": "/nb/"})

    assert response.status_code == 405
    assert COOKIE not in response.cookies


# Messages in each language


@pytest.mark.parametrize(
    "language, subject, body, page",
    [
        ("nn", "Stadfest stemma di på Asker", "Opne lenkja under", "Stadfest stemma di"),
        ("en", "Confirm your vote for Asker", "Open the link below", "Confirm your vote"),
    ],
)
def test_confirmation_email_and_link_are_in_the_voters_language(
    client, mailoutbox, confirm_path, asker, language, subject, body, page
):
    url = request_url(nomination=asker, language=language)

    sent = client.post(url, {"email": "kari@example.no"})

    assert sent["Location"] == f"/{language}/2030/{asker.municipality.slug}/stem/sendt/"
    assert mailoutbox[0].subject == subject
    assert body in mailoutbox[0].body
    assert confirm_path().startswith(f"/{language}/stem/bekreft/")
    confirm_page = client.get(confirm_path())
    assert html_lang(confirm_page) == language
    assert page in confirm_page.text
    assert Vote.objects.count() == 0


def test_page_not_found_is_in_the_language_of_the_address(client):
    assert "Page not found" in client.get("/en/2030/atlantis/").text
    assert "Fann ikkje sida" in client.get("/nn/2030/atlantis/").text
    assert "Fant ikke siden" in client.get("/nb/2030/atlantis/").text


def test_too_many_requests_page_is_in_the_language_of_the_address(client, settings):
    settings.RATELIMIT_RECEIPT_CHECK = "0/m"

    response = client.post("/nn/kvittering/", {"receipt": "7KQ2M-9XHTD"})

    assert response.status_code == 429
    assert html_lang(response) == "nn"
    assert "For mange førespurnader" in response.text


def test_admin_form_error_line_is_in_bokmal(client):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)

    response = client.post(reverse("admin:nominees_municipality_add"), {"name": ""})

    assert response.status_code == 200
    assert "Rett feilen nedenfor." in response.text or "Rett feilene nedenfor." in response.text
    assert "Please correct" not in response.text


@pytest.mark.parametrize(
    ("language", "names"),
    [
        (
            "nb",
            [
                "Bosettings- og integreringsprisen",
                "Administrasjon",
                "Autentiseringsapper",
                "Reservekoder",
                "Innloggingsforsøk",
                "Bakgrunnsoppgaver",
            ],
        ),
        (
            "nn",
            [
                "Busetjings- og integreringsprisen",
                "Administrasjon",
                "Autentiseringsappar",
                "Reservekodar",
                "Innloggingsforsøk",
                "Bakgrunnsoppgåver",
            ],
        ),
        (
            "en",
            [
                "The Settlement and Integration Prize",
                "Administration",
                "Authenticator apps",
                "Backup codes",
                "Login attempts",
                "Background tasks",
            ],
        ),
    ],
)
def test_admin_index_names_the_site_and_the_package_apps_in_the_staffs_language(
    client, language, names
):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)
    client.cookies[COOKIE] = language

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert [name for name in names if name not in response.text] == []
    title = {"nb": "Prisavstemning", "nn": "Prisavstemming", "en": "Prize vote"}[language]
    assert f"<title>{names[1]} | {title}</title>" in response.text
    # The packages' raw app names are gone.
    for raw in ["Otp_Totp", "Otp_Static", ">Axes<", "Tasks Database Backend"]:
        assert raw not in response.text


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nb", ["Gå til hovedinnholdet", "Skriv for å filtrere …", "Bytt fargetema"]),
        ("nn", ["Gå til hovudinnhaldet", "Skriv for å filtrere …", "Byt fargetema"]),
    ],
)
def test_the_admins_own_words_are_norwegian_where_djangos_catalogues_lack_them(
    client, language, words
):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)
    client.cookies[COOKIE] = language

    # A form sent without its fields: the page with the sidebar and "Error:".
    refused = client.post(reverse("admin:nominees_municipality_add"), {})

    assert [word for word in words if word not in refused.text] == []
    for english in ["Skip to main content", "Start typing to filter", "Toggle theme", "Error:"]:
        assert english not in refused.text
    assert "<title>Feil: " in refused.text


# Translated nominee texts


def test_nominee_page_shows_the_english_text_where_given_and_bokmal_where_not(client):
    prize_round = make_round(year=2030)
    prize_round.title_en = "The Settlement and Integration Prize 2030"
    prize_round.save()
    asker = make_nomination(prize_round=prize_round, name="Asker", summary="Sammendrag på bokmål.")
    asker.summary_en = "A summary in English."
    asker.save()
    KeyFigure.objects.create(nomination=asker, position=0, label_nb="bosatt", label_en="settled")
    KeyFigure.objects.create(nomination=asker, position=1, label_nb="i arbeid", value="80 %")
    voss = make_nomination(prize_round=prize_round, name="Voss", summary="Bare på bokmål.")

    english = client.get(f"/en/2030/{asker.municipality.slug}/")
    nynorsk = client.get(f"/nn/2030/{asker.municipality.slug}/")
    round_page = client.get("/en/2030/")

    assert '<p class="lead">A summary in English.</p>' in english.text
    assert "Sammendrag på bokmål." not in english.text
    # Bokmål shown as a fallback is marked so screen readers pronounce it as such.
    assert '<div lang="nb"><p>En begrunnelse.</p></div>' in english.text
    assert '<span class="figure__label" lang="nb">i arbeid</span>' in english.text
    assert '<span class="figure__label">settled</span>' in english.text
    assert '<p class="lead" lang="nb">Sammendrag på bokmål.</p>' in nynorsk.text
    bokmal = client.get(f"/nb/2030/{asker.municipality.slug}/").text
    assert "<div><p>En begrunnelse.</p></div>" in bokmal
    assert '<span class="figure__label">i arbeid</span>' in bokmal
    assert "En begrunnelse." in english.text  # no English justification: bokmål
    assert "settled" in english.text
    assert "i arbeid" in english.text
    assert "Sammendrag på bokmål." in nynorsk.text
    assert "A summary in English." not in nynorsk.text
    assert "A summary in English." in round_page.text
    assert "Bare på bokmål." in round_page.text
    assert "The Settlement and Integration Prize 2030" in round_page.text
    voss.refresh_from_db()
    assert (voss.summary_nb, voss.summary_en, voss.summary_nn) == ("Bare på bokmål.", None, None)


NOTE = {
    "nn": "Noko av teksten på denne sida finst berre på bokmål.",
    "en": "Some of the text on this page is only available in Norwegian Bokmål.",
}
NOTE_CLASS = 'class="language-note"'


def bokmal_only_round():
    """A round decided, with every text only in bokmål: the round's title and
    intro, a nominee's summary, justification, image text and key figure, and
    the jury's justification."""
    prize_round = make_round(year=2030, phase=Phase.VOTING_OPEN)
    prize_round.title_nb = "Prisen 2030 på bokmål"
    prize_round.intro_nb = "Innledning på bokmål."
    prize_round.save()
    asker = make_nomination(
        prize_round=prize_round,
        name="Asker",
        summary="Sammendrag på bokmål.",
        justification="Begrunnelse på bokmål.",
        key_figures=(("bosatte flyktninger", "44"),),
    )
    make_vote(nomination=asker, voter_key="k" * 64)
    closes = prize_round.voting_closes_at
    services.count_votes(prize_round=prize_round, at=closes + timedelta(minutes=1))
    services.record_winner(
        prize_round=prize_round,
        winner=asker,
        justification="Juryens begrunnelse på bokmål.",
        at=closes + timedelta(hours=1),
    )
    return prize_round, asker


@pytest.mark.parametrize("language", ["nn", "en"])
def test_texts_only_in_bokmal_are_marked_as_bokmal_and_the_page_says_so_once(client, language):
    prize_round, asker = bokmal_only_round()

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        round_page = client.get(f"/{language}/2030/").text
        nominee_page = client.get(f"/{language}/2030/{asker.municipality.slug}/").text
        with translation.override(language):
            archive_page = client.get(reverse("voting:archive")).text

    assert '<h1 lang="nb">Prisen 2030 på bokmål</h1>' in round_page
    assert '<div class="intro" lang="nb"><p>Innledning på bokmål.</p></div>' in round_page
    assert '<p class="nominee__summary" lang="nb">Sammendrag på bokmål.</p>' in round_page
    assert '<span class="figure__label" lang="nb">bosatte flyktninger</span>' in round_page
    assert (
        '<div class="winner__justification" lang="nb"><p>Juryens begrunnelse på bokmål.</p></div>'
        in round_page
    )
    assert f'<a href="/{language}/2030/" lang="nb">Prisen 2030 på bokmål</a>' in nominee_page
    assert '<p class="lead" lang="nb">Sammendrag på bokmål.</p>' in nominee_page
    assert '<div lang="nb"><p>Begrunnelse på bokmål.</p></div>' in nominee_page
    assert '<span class="figure__label" lang="nb">bosatte flyktninger</span>' in nominee_page
    assert f'<a href="/{language}/2030/" lang="nb">Prisen 2030 på bokmål</a>' in archive_page
    for page in (round_page, nominee_page, archive_page):
        # Once, first in the main content, in the reader's language.
        assert page.count(NOTE_CLASS) == 1
        assert (
            f'<main id="main" class="wrap" tabindex="-1">\n    <p {NOTE_CLASS}>{NOTE[language]}</p>'
            in page
        )
    for page in (round_page, nominee_page):
        # The title and the sharing tags cannot mark a language: they do not
        # take the bokmål round title, but the prize's name in the page's language.
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert "Prisen 2030 på bokmål" not in title
        assert "2030" in title
    assert "Prisen 2030 på bokmål" not in re.search(
        r'<meta property="og:title" content="([^"]*)"', nominee_page
    ).group(1)
    assert "Sammendrag på bokmål" not in re.search(
        r'<meta property="og:description" content="([^"]*)"', nominee_page
    ).group(1)


def test_a_bokmal_page_marks_nothing_and_has_no_note(client):
    prize_round, asker = bokmal_only_round()

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        round_page = client.get("/nb/2030/").text
        nominee_page = client.get(f"/nb/2030/{asker.municipality.slug}/").text

    for page in (round_page, nominee_page):
        assert NOTE_CLASS not in page
        # Only the header's link to the bokmål page carries a lang of its own.
        # <html lang="nb"> and the switcher's link
        assert len(re.findall(r'\slang="nb"', page)) == 2
    assert "<title>Prisen 2030 på bokmål – IMDi</title>" in round_page
    assert '<meta property="og:description" content="Sammendrag på bokmål.">' in nominee_page


@pytest.mark.parametrize("language", ["nn", "en"])
def test_texts_given_in_the_readers_language_are_not_marked_and_the_page_has_no_note(
    client, language
):
    prize_round, asker = bokmal_only_round()
    setattr(prize_round, f"title_{language}", f"Prisen 2030 ({language})")
    setattr(prize_round, f"intro_{language}", f"Innleiing ({language}).")
    prize_round.save()
    setattr(asker, f"summary_{language}", f"Samandrag ({language}).")
    setattr(asker, f"justification_{language}", f"Grunngjeving ({language}).")
    asker.save()
    figure = asker.key_figures.get()
    setattr(figure, f"label_{language}", f"busette ({language})")
    figure.save()
    # The jury's justification is staff's bokmål on every page: none given.
    asker.round.decision.justification = ""
    asker.round.decision.save()

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        round_page = client.get(f"/{language}/2030/").text
        nominee_page = client.get(f"/{language}/2030/{asker.municipality.slug}/").text

    for page in (round_page, nominee_page):
        assert NOTE_CLASS not in page
        assert len(re.findall(r'\slang="nb"', page)) == 1  # the switcher's link to bokmål
    assert f"<title>Prisen 2030 ({language}) – IMDi</title>" in round_page
    assert f"<h1>Prisen 2030 ({language})</h1>" in round_page
    assert f'<meta property="og:description" content="Samandrag ({language}).">' in nominee_page


def test_the_cached_pages_keep_each_languages_note_and_marks(client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    prize_round, _ = bokmal_only_round()

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        first = {language: client.get(f"/{language}/2030/").text for language in ("nb", "en", "nn")}
        again = {language: client.get(f"/{language}/2030/").text for language in ("nb", "en", "nn")}

    assert again == first
    assert NOTE_CLASS not in again["nb"]
    assert NOTE["en"] in again["en"]
    assert NOTE["nn"] in again["nn"]
    assert '<h1 lang="nb">' in again["en"]
    assert '<h1 lang="nb">' not in again["nb"]


def test_staff_give_nynorsk_and_english_texts_in_the_admin(client):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)
    nomination = make_nomination(prize_round=make_round(year=2030), name="Asker")
    url = reverse("admin:nominees_nomination_change", args=[nomination.pk])
    form = client.get(url)
    data = {
        "round": nomination.round_id,
        "municipality": nomination.municipality_id,
        "display_order": "0",
        "summary_nb": "Sammendrag.",
        "summary_nn": "Samandrag.",
        "summary_en": "",
        "justification_nb": "Begrunnelse.",
        "justification_nn": "",
        "justification_en": "Reasons.",
        "image_alt": "",
        "read_more_url": "",
        "key_figures-TOTAL_FORMS": "1",
        "key_figures-INITIAL_FORMS": "0",
        "key_figures-MIN_NUM_FORMS": "0",
        "key_figures-MAX_NUM_FORMS": "1000",
        "key_figures-0-position": "0",
        "key_figures-0-label_nb": "bosatt i 2019",
        "key_figures-0-label_nn": "busette i 2019",
        "key_figures-0-label_en": "",
        "key_figures-0-value": "44",
    }

    response = client.post(url, data)

    assert 'name="summary_nn"' in form.text
    assert 'name="key_figures-0-label_en"' in form.text
    assert response.status_code == 302
    saved = Nomination.objects.get(pk=nomination.pk)
    assert (saved.summary_nb, saved.summary_nn) == ("Sammendrag.", "Samandrag.")
    assert saved.justification_en == "Reasons."
    with translation.override("en"):
        assert saved.summary == "Sammendrag."
        assert saved.key_figures.get().label == "bosatt i 2019"
    with translation.override("nn"):
        assert saved.summary == "Samandrag."
        assert saved.key_figures.get().label == "busette i 2019"


def test_a_read_more_address_typed_without_its_scheme_is_saved_as_https(client):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)
    nomination = make_nomination(prize_round=make_round(year=2030), name="Asker")
    url = reverse("admin:nominees_nomination_change", args=[nomination.pk])
    data = {
        "round": nomination.round_id,
        "municipality": nomination.municipality_id,
        "display_order": "0",
        "summary_nb": "Sammendrag.",
        "justification_nb": "Begrunnelse.",
        "image_alt": "",
        "read_more_url": "www.imdi.no/prisen",
        "key_figures-TOTAL_FORMS": "0",
        "key_figures-INITIAL_FORMS": "0",
        "key_figures-MIN_NUM_FORMS": "0",
        "key_figures-MAX_NUM_FORMS": "1000",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.read_more_url == "https://www.imdi.no/prisen"


def test_round_without_a_bokmal_title_is_refused_in_the_admin(client):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)
    data = {
        "year": "2031",
        "title_nb": "",
        "title_en": "The prize 2031",
        "finalist_count": "3",
        "winner_rule": "finalists",
    }
    for prefix in ("nominations", "tallies"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = client.post(reverse("admin:nominees_prizeround_add"), data)

    assert response.status_code == 200
    assert "title_nb" in response.context["adminform"].form.errors
    assert not PrizeRound.objects.exists()


def test_demo_shows_its_nominees_in_english_and_nynorsk(client):
    call_command("load_demo", stdout=StringIO())
    current = PrizeRound.objects.current()

    english = client.get(f"/en/{current.year}/")
    nynorsk = client.get(f"/nn/{current.year}/")

    assert "a pioneer in its work with unaccompanied minors" in english.text
    assert "ein føregangskommune for einslege mindreårige" in nynorsk.text
    assert "combines Norwegian lessons with work training" in english.text
    assert "der norsk og arbeidstrening går saman" in nynorsk.text
    randaberg_nb = "Arbeidsrettet introduksjonsprogram der norsk og arbeidstrening går sammen."
    assert randaberg_nb not in english.text
    assert randaberg_nb not in nynorsk.text


def test_the_jurys_justification_reads_in_each_language_and_a_new_one_drops_the_old(client):
    prize_round = make_round(year=2030, phase=Phase.VOTING_OPEN)
    prize_round.winner_rule = WinnerRule.ALL_NOMINEES
    prize_round.save()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    after = prize_round.winner_announced_at - timedelta(minutes=1)
    translations = {"nn": "Grunngjeving på nynorsk.", "en": "Reasons in English."}

    with translation.override("en"):  # the juror's screen language does not matter
        services.record_winner(
            prize_round=prize_round,
            winner=asker,
            justification="Begrunnelse på bokmål.",
            translations=translations,
            at=after,
        )
    decision = JuryDecision.objects.get()
    texts = (decision.justification_nb, decision.justification_nn, decision.justification_en)
    services.record_winner(
        prize_round=prize_round, winner=asker, justification="Ny begrunnelse.", at=after
    )
    decision.refresh_from_db()

    assert texts == ("Begrunnelse på bokmål.", *translations.values())
    assert (decision.justification_nb, decision.justification_nn, decision.justification_en) == (
        "Ny begrunnelse.",
        "",
        "",
    )


# Dates


@pytest.mark.parametrize(
    "language, expected",
    [
        ("nb", "Avstemningen er åpen til 31. mars 2030 kl. 23.59."),
        ("nn", "Avstemminga er open til 31. mars 2030 kl. 23.59."),
        ("en", "Voting is open until 31 March 2030 at 23:59."),
    ],
)
def test_phase_in_words_uses_each_languages_date_format(language, expected):
    prize_round = PrizeRound.objects.create(
        year=2030,
        title="Prisen 2030",
        nominees_published_at=datetime(2030, 2, 1, 9, 0, tzinfo=OSLO),
        voting_opens_at=datetime(2030, 3, 1, 9, 0, tzinfo=OSLO),
        voting_closes_at=datetime(2030, 3, 31, 23, 59, tzinfo=OSLO),
    )

    with translation.override(language):
        words = prize_round.phase_in_words(at=datetime(2030, 3, 15, 12, 0, tzinfo=OSLO))

    assert words == expected


def test_nominee_page_in_english_states_the_phase_in_english(client):
    prize_round = make_round(year=2030, phase=Phase.VOTING_OPEN)
    municipality = make_municipality(name="Voss")
    Nomination.objects.create(round=prize_round, municipality=municipality, summary_nb="Tekst.")

    response = client.get(f"/en/2030/{municipality.slug}/")

    assert "Voting is open until" in response.text
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}", response.text)


@pytest.mark.parametrize(
    ("written", "language", "shown"),
    [
        ("78 %", "nb", "78\u00a0%"),
        ("1 250", "nn", "1\u00a0250"),
        ("78 %", "en", "78%"),
        ("1 250", "en", "1,250"),
        ("12 000 000", "en", "12,000,000"),
        ("4,5", "en", "4.5"),
        ("2015–2020", "en", "2015–2020"),
    ],
)
def test_a_key_figure_is_written_as_the_readers_language_writes_numbers(written, language, shown):
    with translation.override(language):
        assert KeyFigure(label="x", value=written).shown_value == shown
