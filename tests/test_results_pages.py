"""The public result pages, one second either side of each announcement time."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from nominees.models import PrizeRound, WinnerRule
from tests.factories import (
    SECOND,
    count_after_closing,
    decide,
    frozen_at,
    make_nomination,
    round_with_votes,
)
from voting import services
from voting.models import JuryDecision, Tally, TieResolution

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
VOTES = {"Asker": 5, "Randaberg": 4, "Gjøvik": 3, "Voss": 2, "Sunndal": 1}
JUSTIFICATION = "Juryen la vekt på det lange samarbeidet med frivillige lag."
FINALISTS_HEADING = "Finalistene fra avstemningen"
WINNER_HEADING = "Vinneren av prisen for 2030"
PENDING = "Finalistene publiseres her så snart opptellingen er ferdig."
UNAVAILABLE = "Stemmetall fra denne runden er ikke tilgjengelige her."
WINNER_UNKNOWN = "Hvem som vant, er ikke registrert i arkivet."


def decided_round(*, publish_vote_counts: bool = False):
    prize_round, nominations, _ = round_with_votes(
        votes=VOTES, publish_vote_counts=publish_vote_counts
    )
    tally = count_after_closing(prize_round=prize_round)
    decide(prize_round=prize_round, winner=nominations["Randaberg"], justification=JUSTIFICATION)
    return prize_round, nominations, tally


def finalists_list(text: str) -> list[str]:
    section = re.search(r'<ol class="finalists">(.*?)</ol>', text, re.S)
    if section is None:
        return []
    return re.findall(r'class="finalist__name"[^>]*>([^<]+)<', section.group(1))


ROUND_PAGES = ["/nb/2030/", "/nb/"]


@pytest.mark.parametrize("path", ROUND_PAGES)
def test_one_second_before_the_finalists_nothing_of_the_result_is_shown(client, path):
    prize_round, _, tally = decided_round(publish_vote_counts=True)

    with frozen_at(moment=prize_round.finalists_announced_at - SECOND):
        page = client.get(path)

    assert page.status_code == 200
    assert "Asker" in page.text  # the nominees are listed, just not as finalists
    assert 'id="result-heading"' not in page.text
    assert FINALISTS_HEADING not in page.text
    assert finalists_list(page.text) == []
    assert tally.digest not in page.text
    assert "av de gyldige" not in page.text
    assert "ble bekreftet" not in page.text
    assert JUSTIFICATION not in page.text
    assert PENDING not in page.text


@pytest.mark.parametrize("path", ROUND_PAGES)
def test_one_second_after_the_finalists_they_are_shown_by_rank_with_digest_and_report(client, path):
    prize_round, _, tally = decided_round()

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get(path)

    assert page.status_code == 200
    assert finalists_list(page.text) == ["Asker", "Randaberg", "Gjøvik"]
    assert tally.digest in page.text
    assert "15 stemmer ble bekreftet." in page.text
    assert "Med kvitteringskoden din kan du sjekke" in page.text
    assert reverse("voting:receipt") in page.text
    # The winner waits for its own moment.
    assert WINNER_HEADING not in page.text
    assert JUSTIFICATION not in page.text


def test_finalists_are_shown_at_the_exact_moment_of_their_announcement(client):
    prize_round, _, _ = decided_round()

    with frozen_at(moment=prize_round.finalists_announced_at):
        page = client.get("/nb/2030/")

    assert finalists_list(page.text) == ["Asker", "Randaberg", "Gjøvik"]


def test_vote_counts_and_shares_are_shown_only_when_the_round_publishes_them(client):
    prize_round, _, _ = decided_round(publish_vote_counts=False)
    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        hidden = client.get("/nb/2030/")
    prize_round.publish_vote_counts = True
    prize_round.save()  # as the admin does; a cached page of the round is then stale
    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        shown = client.get("/nb/2030/")

    assert finalists_list(hidden.text) == ["Asker", "Randaberg", "Gjøvik"]
    assert "av de gyldige" not in hidden.text
    assert "5 stemmer (33,3\u00a0% av de gyldige)" in shown.text
    assert "4 stemmer (26,7\u00a0% av de gyldige)" in shown.text
    assert "3 stemmer (20,0\u00a0% av de gyldige)" in shown.text
    # The nominees left out are not given a count either.
    assert "2 stemmer" not in shown.text
    assert "1 stemme (" not in shown.text


# Numbers in each language's format: a decimal comma in bokmål and nynorsk, a
# point in English; thousands grouped by a non-breaking space in bokmål and
# nynorsk (Django's nb and nn formats), by a comma in English. The space before
# "%" is non-breaking, so the sign never starts a line of its own.
NBSP = "\u00a0"


@pytest.mark.parametrize(
    "language, shares",
    [
        (
            "nb",
            [
                f"5 stemmer (33,3{NBSP}% av de gyldige)",
                f"4 stemmer (26,7{NBSP}% av de gyldige)",
                f"3 stemmer (20,0{NBSP}% av de gyldige)",
            ],
        ),
        (
            "nn",
            [
                f"5 stemmer (33,3{NBSP}% av dei gyldige)",
                f"4 stemmer (26,7{NBSP}% av dei gyldige)",
                f"3 stemmer (20,0{NBSP}% av dei gyldige)",
            ],
        ),
        (
            "en",
            [
                "5 votes (33.3% of the valid votes)",
                "4 votes (26.7% of the valid votes)",
                "3 votes (20.0% of the valid votes)",
            ],
        ),
    ],
)
def test_shares_are_written_in_each_languages_format(client, language, shares):
    prize_round, _, _ = decided_round(publish_vote_counts=True)

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        page = client.get(f"/{language}/2030/")

    assert page.status_code == 200
    for share in shares:
        assert share in page.text


def test_counts_of_a_thousand_or_more_are_grouped_in_each_languages_format(client):
    prize_round, nominations, _ = round_with_votes(
        votes={"Asker": 1000, "Randaberg": 2, "Gjøvik": 1}, publish_vote_counts=True
    )
    count_after_closing(prize_round=prize_round)
    decide(prize_round=prize_round, winner=nominations["Asker"], justification=JUSTIFICATION)
    expected = {
        "nb": [
            f"1{NBSP}000 stemmer (99,7{NBSP}% av de gyldige)",
            f"1{NBSP}003 stemmer ble bekreftet.",
            f"talte 1{NBSP}003 gyldige stemmer og holdt 0 ugyldiggjorte utenfor.",
        ],
        "nn": [
            f"1{NBSP}000 stemmer (99,7{NBSP}% av dei gyldige)",
            f"1{NBSP}003 stemmer vart stadfesta.",
            f"talde 1{NBSP}003 gyldige stemmer og heldt 0 ugyldiggjorde utanfor.",
        ],
        "en": [
            "1,000 votes (99.7% of the valid votes)",
            "1,003 votes were confirmed.",
            "counted 1,003 valid votes and left out 0 invalidated ones.",
        ],
    }

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        pages = {language: client.get(f"/{language}/2030/") for language in expected}

    for language, numbers in expected.items():
        assert pages[language].status_code == 200
        for number in numbers:
            assert number in pages[language].text, (language, number)


@pytest.mark.parametrize("path", ROUND_PAGES)
def test_winner_and_justification_appear_one_second_after_the_announcement_not_before(client, path):
    prize_round, _, _ = decided_round()

    with frozen_at(moment=prize_round.winner_announced_at - SECOND):
        before = client.get(path)
    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        after = client.get(path)

    assert WINNER_HEADING not in before.text
    assert JUSTIFICATION not in before.text
    assert WINNER_HEADING in after.text
    assert JUSTIFICATION in after.text
    winner = re.search(r'class="winner__name"><a [^>]*>([^<]+)<', after.text)
    assert winner and winner.group(1) == "Randaberg"


def test_an_open_tie_at_the_cut_shows_no_finalists_and_does_not_say_why(client):
    prize_round, _, _ = round_with_votes(votes={"A": 3, "B": 2, "C": 1, "D": 1})
    tally = count_after_closing(prize_round=prize_round)
    assert tally.has_tie_at_cut

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get("/nb/2030/")

    assert page.status_code == 200
    assert PENDING in page.text
    assert finalists_list(page.text) == []
    assert tally.digest not in page.text
    assert "likt" not in page.text.lower()
    assert "uavgjort" not in page.text.lower()


def test_a_resolved_tie_shows_the_finalists_staff_let_through(client):
    prize_round, nominations, _ = round_with_votes(votes={"A": 3, "B": 2, "C": 1, "D": 1})
    tally = count_after_closing(prize_round=prize_round)
    services.resolve_tie(tally=tally, nominations=[nominations["D"]], reason="Loddtrekning.")

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get("/nb/2030/")

    assert TieResolution.objects.filter(tally=tally).exists()
    assert finalists_list(page.text) == ["A", "B", "D"]
    assert PENDING not in page.text


def test_finalists_due_without_any_count_say_the_result_comes_when_counted(client):
    prize_round, _, _ = round_with_votes(votes=VOTES)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get("/nb/2030/")

    assert Tally.objects.count() == 0
    assert PENDING in page.text
    assert finalists_list(page.text) == []


def test_nominee_page_badges_follow_their_announcement_times(client):
    prize_round, nominations, _ = decided_round()
    asker, randaberg, voss = (nominations[name] for name in ("Asker", "Randaberg", "Voss"))

    with frozen_at(moment=prize_round.finalists_announced_at - SECOND):
        asker_early = client.get(asker.get_absolute_url()).text
    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        asker_finalist = client.get(asker.get_absolute_url()).text
        voss_after = client.get(voss.get_absolute_url()).text
        randaberg_early = client.get(randaberg.get_absolute_url()).text
    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        randaberg_winner = client.get(randaberg.get_absolute_url()).text

    assert "Finalist 2030" not in asker_early
    assert "Finalist 2030" in asker_finalist
    assert "Finalist 2030" not in voss_after
    assert "Vinner 2030" not in randaberg_early
    assert "Finalist 2030" in randaberg_early
    assert "Vinner 2030" in randaberg_winner


def test_vote_buttons_show_only_while_voting_is_open(client):
    prize_round, _, _ = decided_round()

    with frozen_at(moment=prize_round.voting_closes_at - SECOND):
        open_page = client.get("/nb/2030/")
    with frozen_at(moment=prize_round.voting_closes_at + SECOND):
        closed_page = client.get("/nb/2030/")

    assert "Stem på Asker" in open_page.text
    assert "Stem på Asker" not in closed_page.text
    assert "Stem på" not in closed_page.text


def archive_round(year: int, winner_name: str) -> PrizeRound:
    """A round from before the app, as load_demo makes them: only a winner date."""
    prize_round = PrizeRound.objects.create(
        year=year,
        title=f"Bosettings- og integreringsprisen {year}",
        winner_announced_at=datetime(year, 12, 31, 12, tzinfo=ZoneInfo("Europe/Oslo")),
        winner_rule=WinnerRule.ALL_NOMINEES,
        imported=True,
    )
    winner = make_nomination(prize_round=prize_round, name=winner_name)
    services.record_winner(
        prize_round=prize_round,
        winner=winner,
        justification=f"{winner_name} vant.",
        at=prize_round.winner_announced_at,
    )
    return prize_round


def test_archive_round_with_only_a_winner_date_has_a_public_page_and_nominee_page(client):
    prize_round = archive_round(2008, "Vadsø")
    vadso = prize_round.nominations.get()

    page = client.get("/nb/2008/")
    nominee = client.get(vadso.get_absolute_url())

    assert page.status_code == 200
    assert "Vinneren av prisen for 2008" in page.text
    assert "Vadsø vant." in page.text
    assert nominee.status_code == 200
    assert "Vinner 2008" in nominee.text


def test_archive_lists_every_public_round_newest_first_with_winners(client):
    archive_round(2008, "Vadsø")
    archive_round(2016, "Trondheim")
    prize_round, _, _ = decided_round()
    PrizeRound.objects.create(
        year=2031,
        title="Bosettings- og integreringsprisen 2031",
        nominees_published_at=prize_round.winner_announced_at + timedelta(days=30),
    )

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        page = client.get(reverse("voting:archive"))

    assert page.status_code == 200
    positions = [
        page.text.index(f"Bosettings- og integreringsprisen {y}") for y in (2030, 2016, 2008)
    ]
    assert positions == sorted(positions)
    assert "Bosettings- og integreringsprisen 2031" not in page.text
    assert re.search(r"Vinner:\s*<a [^>]*>Vadsø<", page.text)
    assert re.search(r"Vinner:\s*<a [^>]*>Trondheim<", page.text)
    assert re.search(r"Vinner:\s*<a [^>]*>Randaberg<", page.text)
    assert 'href="/nb/2008/"' in page.text
    assert 'href="/nb/2030/"' in page.text
    assert re.search(r"Finalister:\s*<a [^>]*>Asker</a>, <a [^>]*>Randaberg</a>, ", page.text)


def test_archive_shows_neither_finalists_nor_winner_before_their_time(client):
    prize_round, _, _ = decided_round()

    with frozen_at(moment=prize_round.finalists_announced_at - SECOND):
        before = client.get(reverse("voting:archive"))
    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        between = client.get(reverse("voting:archive"))

    assert "Bosettings- og integreringsprisen 2030" in before.text
    assert "Finalister:" not in before.text
    assert "Vinner:" not in before.text
    assert "Finalister:" in between.text
    assert "Vinner:" not in between.text


def test_footer_links_to_the_archive_and_the_receipt_check(client):
    page = client.get("/nb/")

    assert f'href="{reverse("voting:archive")}"' in page.text
    assert f'href="{reverse("voting:receipt")}"' in page.text


def test_archive_says_so_when_a_winner_was_announced_but_is_not_recorded(client):
    prize_round, _, _ = round_with_votes(votes=VOTES)
    count_after_closing(prize_round=prize_round)

    with frozen_at(moment=prize_round.winner_announced_at - SECOND):
        before = client.get(reverse("voting:archive"))
    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        after = client.get(reverse("voting:archive"))

    assert not JuryDecision.objects.exists()
    assert "Vinneren er ikke registrert her." not in before.text
    assert "Vinneren kunngjøres" in before.text
    assert "Vinneren er ikke registrert her." in after.text
    assert "Vinner:" not in after.text


def test_archive_says_once_which_years_between_its_rounds_have_no_prize(client):
    for year, name in [
        (2008, "Vadsø"),
        (2010, "Kristiansand"),
        (2011, "Kragerø"),
        (2014, "Drammen"),
    ]:
        archive_round(year, name)

    page = client.get(reverse("voting:archive")).text

    assert page.count("Ingen pris er registrert for 2009 og 2012–2013.") == 1
    assert "Rundene i 2008, 2010–2011 og 2014 ble holdt før dette nettstedet" in page


def test_archive_of_consecutive_years_says_nothing_of_missing_ones(client):
    archive_round(2008, "Vadsø")
    archive_round(2009, "Levanger")

    page = client.get(reverse("voting:archive")).text

    assert "Ingen pris er registrert" not in page
    assert "Rundene i 2008–2009 ble holdt før" in page


def imported_round_with_votes() -> PrizeRound:
    prize_round, _, _ = round_with_votes(votes=VOTES)
    prize_round.imported = True
    prize_round.save()
    return prize_round


def test_an_imported_round_says_its_count_is_not_available_instead_of_promising_it(client):
    prize_round = imported_round_with_votes()

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get("/nb/2030/").text

    assert Tally.objects.count() == 0
    assert UNAVAILABLE in page
    assert PENDING not in page
    assert finalists_list(page) == []
    assert "Runden ble holdt før dette nettstedet ble tatt i bruk." in page
    assert "Finalistene ble kunngjort" not in page  # its schedule may be stand-ins


def test_an_imported_round_without_a_recorded_winner_says_exactly_that(client):
    prize_round = imported_round_with_votes()

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        page = client.get("/nb/2030/").text
        archive = client.get(reverse("voting:archive")).text

    assert not JuryDecision.objects.exists()
    assert WINNER_UNKNOWN in page
    assert archive.count(WINNER_UNKNOWN) == 1
    assert "Vinneren er ikke registrert her." not in archive
    assert re.search(r"Nominerte:\s*<a [^>]*>Asker</a>, <a [^>]*>Gjøvik</a>, ", archive)


def test_an_imported_round_with_its_winner_says_only_that_counts_are_missing(client):
    archive_round(2008, "Vadsø")

    page = client.get("/nb/2008/").text

    assert "Vinneren av prisen for 2008" in page
    assert UNAVAILABLE in page
    assert WINNER_UNKNOWN not in page


# A tie at the finalist cut, told to the public once the finalists are out


TIE_REASON = "Avgjort ved loddtrekning med to vitner til stede."
TIE_SENTENCES = {
    "nb": (
        "C og D fikk like mange stemmer og sto likt om den siste finaleplassen.",
        "Likheten ble avgjort {when}, og D gikk videre til finalen.",
    ),
    "nn": (
        "C og D fekk like mange stemmer og stod likt om den siste finaleplassen.",
        "Det like resultatet vart avgjort {when}, og D gjekk vidare til finalen.",
    ),
    "en": (
        "C and D had the same number of votes and were tied for the last finalist place.",
        "The tie was resolved on {when}, and D went through to the final.",
    ),
}


def round_with_resolved_tie(*, publish_vote_counts: bool = False):
    """A, B and C, D tied at 1 vote each for the third seat; D let through."""
    prize_round, nominations, _ = round_with_votes(
        votes={"A": 3, "B": 2, "C": 1, "D": 1}, publish_vote_counts=publish_vote_counts
    )
    tally = count_after_closing(prize_round=prize_round)
    resolution = services.resolve_tie(
        tally=tally,
        nominations=[nominations["D"]],
        reason=TIE_REASON,
        at=prize_round.voting_closes_at + timedelta(hours=3),
    )
    return prize_round, tally, resolution


def in_language(language: str, moment: datetime, format_name: str) -> str:
    from django.utils import formats, timezone, translation

    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), format_name)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_resolved_tie_is_told_with_who_tied_who_went_through_why_and_when(client, language):
    prize_round, _tally, resolution = round_with_resolved_tie()

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get(f"/{language}/2030/").text

    tied, resolved = TIE_SENTENCES[language]
    when = in_language(language, resolution.resolved_at, "DATE_FORMAT")
    assert finalists_list(page) == ["A", "B", "D"]
    tie = re.search(r'<div class="tie">(.*?)</div>', page, re.S).group(1)
    assert tied in tie
    assert resolved.format(when=when) in " ".join(tie.split())
    # The reason is staff's bokmål: marked as such on the other pages.
    marked = "" if language == "nb" else ' lang="nb"'
    assert f'<span class="tie__reason"{marked}>{TIE_REASON}</span>' in tie
    assert in_language("nb", resolution.resolved_at, "DATE_FORMAT") != in_language(
        "en", resolution.resolved_at, "DATE_FORMAT"
    )


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_integrity_report_tells_the_tie_with_the_votes_when_counts_are_published(
    client, language
):
    prize_round, _tally, resolution = round_with_resolved_tie(publish_vote_counts=True)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get(f"/{language}/2030/").text

    report = re.search(r'<div class="report">(.*?)</div>', page, re.S).group(1)
    line = " ".join(re.search(r"<li>C (og|and) D ha.*?</li>", report, re.S).group(0).split())
    when = in_language(language, resolution.resolved_at, "DATETIME_FORMAT")
    expected = {
        "nb": "C og D hadde 1 stemme hver og sto likt ved grensen for finaleplassene. "
        f"Likheten ble avgjort {when}, og D gikk videre. Begrunnelse:",
        "nn": "C og D hadde 1 stemme kvar og stod likt ved grensa for finaleplassane. "
        f"Det like resultatet vart avgjort {when}, og D gjekk vidare. Grunngjeving:",
        "en": "C and D had 1 vote each and were tied at the cut for the finalist places. "
        f"The tie was resolved on {when}, and D went through. Reason:",
    }[language]
    assert expected in line
    assert TIE_REASON in line


def test_the_integrity_report_tells_the_tie_without_its_votes_when_counts_are_not_published():
    from django.template.loader import render_to_string
    from django.utils import translation

    from voting import integrity

    prize_round, _tally, _resolution = round_with_resolved_tie(publish_vote_counts=False)

    report = integrity.report(prize_round)
    with translation.override("nb"):
        html = render_to_string("voting/_integrity_report.html", {"report": report})

    assert report.tie.tied == ["C", "D"]
    assert report.tie.chosen == ["D"]
    assert report.tie.seats == 1
    assert report.tie.votes is None
    assert "C og D hadde like mange stemmer og sto likt ved grensen for finaleplassene." in html
    assert "1 stemme hver" not in html


def test_a_tie_for_two_places_between_three_names_them_all_and_both_let_through(client):
    prize_round, nominations, _ = round_with_votes(votes={"A": 3, "B": 1, "C": 1, "D": 1})
    tally = count_after_closing(prize_round=prize_round)
    services.resolve_tie(
        tally=tally, nominations=[nominations["B"], nominations["D"]], reason="Loddtrekning."
    )

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        page = client.get("/nb/2030/").text
        english = client.get("/en/2030/").text

    assert tally.seats_in_tie == 2
    assert "B, C og D fikk like mange stemmer og sto likt om de 2 siste finaleplassene." in page
    assert "og B og D gikk videre til finalen." in page
    assert "B, C and D had the same number of votes and were tied for the last 2" in english


def test_a_resolved_tie_is_not_told_before_the_finalists_are_announced(client):
    prize_round, tally, _ = round_with_resolved_tie(publish_vote_counts=True)

    with frozen_at(moment=prize_round.finalists_announced_at - SECOND):
        page = client.get("/nb/2030/").text

    assert TieResolution.objects.filter(tally=tally).exists()
    assert TIE_REASON not in page
    assert "likt" not in page
    assert 'class="tie"' not in page
