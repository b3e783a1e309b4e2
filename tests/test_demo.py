import logging
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from modeltranslation.translator import translator
from PIL import Image

from nominees.models import KeyFigure, Municipality, Nomination, Phase, PrizeRound
from tests.factories import request_vote
from voting import integrity, services
from voting.models import JuryDecision, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """The demo's pictures go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


DEMO_MODELS = [Municipality, PrizeRound, Nomination, KeyFigure, JuryDecision, Vote]


def snapshot() -> str:
    return "".join(
        serializers.serialize("json", model.objects.order_by("pk")) for model in DEMO_MODELS
    )


def test_load_demo_creates_the_rounds_from_the_public_documents():
    call_command("load_demo", stdout=StringIO())

    years = set(PrizeRound.objects.values_list("year", flat=True))
    assert {2008, 2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2018, 2020} <= years
    assert sorted(
        PrizeRound.objects.get(year=2018).nominations.values_list("municipality__name", flat=True)
    ) == ["Asker", "Bærum", "Lørenskog", "Stange", "Steinkjer", "Tromsø"]
    assert sorted(
        PrizeRound.objects.get(year=2020).nominations.values_list("municipality__name", flat=True)
    ) == ["Asker", "Gjøvik", "Randaberg", "Sunndal", "Tromsø", "Voss"]
    assert JuryDecision.objects.get(round__year=2018).winner.municipality.name == "Bærum"
    assert JuryDecision.objects.get(round__year=2008).winner.municipality.name == "Vadsø"
    assert JuryDecision.objects.get(round__year=2016).winner.municipality.name == "Trondheim"
    assert PrizeRound.objects.get(year=2016).phase() == Phase.WINNER_ANNOUNCED
    assert KeyFigure.objects.filter(nomination__municipality__name="Asker").exists()


def test_load_demo_opens_a_round_with_the_2020_nominees_for_voting_now():
    call_command("load_demo", stdout=StringIO())

    current = PrizeRound.objects.current()
    assert current.voting_is_open()
    assert sorted(current.nominations.values_list("municipality__name", flat=True)) == [
        "Asker",
        "Gjøvik",
        "Randaberg",
        "Sunndal",
        "Tromsø",
        "Voss",
    ]
    front = Client().get("/nb/")
    assert "Avstemningen er åpen til" in front.text
    assert "Stem på Gjøvik" in front.text


def test_load_demo_prints_its_counts_and_the_audit_lines_only_when_asked(caplog):
    caplog.set_level(logging.INFO, logger="voting.audit")
    quiet = StringIO()
    call_command("load_demo", stdout=quiet)
    quiet_records = [r for r in caplog.records if r.name == "voting.audit"]
    JuryDecision.objects.all().delete()
    caplog.clear()

    call_command("load_demo", stdout=StringIO(), verbosity=2)
    shown = [r.getMessage() for r in caplog.records if r.name == "voting.audit"]

    assert quiet_records == []
    assert "Decisions: 10 created, 0 already present." in quiet.getvalue()
    assert len(shown) == JuryDecision.objects.count() == 10
    assert all(re.fullmatch(r"Vinner: .+ by nobody on JuryDecision \d+", m) for m in shown)
    assert logging.getLogger("voting.audit").level == logging.INFO  # caplog's level, put back


def test_load_demo_twice_changes_nothing():
    call_command("load_demo", stdout=StringIO())
    before = snapshot()

    call_command("load_demo", stdout=StringIO())

    assert snapshot() == before


def test_local_admin_is_created_once_and_its_password_printed_once():
    first, second = StringIO(), StringIO()

    call_command("create_local_admin", stdout=first)
    call_command("create_local_admin", stdout=second)

    password = first.getvalue().split("password: ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(password)
    assert password not in second.getvalue()
    assert get_user_model().objects.count() == 1


def test_local_admin_prints_the_admin_address_on_the_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8001"
    first, second = StringIO(), StringIO()

    call_command("create_local_admin", stdout=first)
    call_command("create_local_admin", stdout=second)

    assert "http://127.0.0.1:8001/admin/  user: admin" in first.getvalue()
    assert "http://127.0.0.1:8001/admin/" in second.getvalue()
    assert ":8000" not in first.getvalue() + second.getvalue()


def test_load_demo_has_a_closed_round_a_newcomer_can_count_and_decide():
    call_command("load_demo", stdout=StringIO())
    closed = PrizeRound.objects.get(title__contains="avsluttet")

    assert closed.phase() == Phase.VOTING_CLOSED
    tally = services.count_votes(prize_round=closed)
    finalists = tally.entries.filter(finalist=True)
    assert tally.valid_votes == Vote.objects.filter(round=closed).count() > 0
    assert finalists.count() == 3
    decision = services.record_winner(
        prize_round=closed, winner=finalists.first().nomination, justification="Demo."
    )
    assert decision.round == closed


def translated_rows(prize_round: PrizeRound) -> list:
    nominations = list(prize_round.nominations.all())
    decisions = list(JuryDecision.objects.filter(round=prize_round))
    figures = list(KeyFigure.objects.filter(nomination__round=prize_round))
    return [prize_round, *nominations, *figures, *decisions]


def test_every_published_demo_round_has_all_its_texts_in_nynorsk_and_english():
    call_command("load_demo", stdout=StringIO())
    published = PrizeRound.objects.published()

    missing = [
        f"{row._meta.model_name} {row.pk} ({getattr(row, 'year', '')}): {field}_{language}"
        for prize_round in published
        for row in translated_rows(prize_round)
        for field in translator.get_options_for_model(type(row)).fields
        for language in ("nb", "nn", "en")
        if not getattr(row, f"{field}_{language}")
    ]

    years = set(published.values_list("year", flat=True))
    now = timezone.localtime()
    assert {*range(2008, 2017), 2018, 2020, now.year - 1, now.year} <= years
    assert missing == []


@pytest.mark.parametrize(
    "language, title, justification",
    [
        ("nb", "Bosettings- og integreringsprisen 2018", "Bærum vant Bosettings-"),
        ("nn", "Busetjings- og integreringsprisen 2018", "Bærum vann Busetjings-"),
        ("en", "Settlement and Integration Prize 2018", "Bærum won the Settlement"),
    ],
)
def test_the_2018_round_reads_in_the_pages_language(client, language, title, justification):
    call_command("load_demo", stdout=StringIO())
    asker = Nomination.objects.get(round__year=2018, municipality__name="Asker")

    with translation.override(language):
        page = client.get(reverse("nominees:round", kwargs={"year": 2018}))
        nominee = client.get(asker.get_absolute_url())
        figure = asker.key_figures.first().label

    assert f"<h1>{title}</h1>" in page.text
    assert justification in page.text
    assert figure in nominee.text
    assert ' lang="nb"' not in page.text.split("<main", 1)[1]
    assert ' lang="nb"' not in nominee.text.split("<main", 1)[1]


def test_every_demo_key_figure_is_a_number_with_a_label():
    call_command("load_demo", stdout=StringIO())

    for figure in KeyFigure.objects.all():
        figure.full_clean()  # a value without a digit is refused (KeyFigure.clean)

    values = set(KeyFigure.objects.values_list("value", flat=True))
    assert {"80 %", "444", "78 %", "44", "2"} <= values
    # The sources give no numbers for these: no figure rather than a phrase.
    assert not KeyFigure.objects.filter(
        nomination__municipality__name__in=["Gjøvik", "Randaberg", "Tromsø", "Voss"]
    ).exists()


@pytest.mark.parametrize("value", ["Globus kafé", "samarbeid på tvers av etater", ""])
def test_a_key_figure_without_a_number_is_refused_with_a_reason(value):
    call_command("load_demo", stdout=StringIO())
    figure = KeyFigure.objects.first()
    figure.value = value

    with pytest.raises(ValidationError) as refused:
        figure.full_clean()

    assert list(refused.value.message_dict) == ["value"]
    if value:
        assert "Verdien må være et tall" in refused.value.message_dict["value"][0]


@pytest.mark.parametrize("value", ["44", "80 %", "ca. 1 250", "1 av 5"])
def test_a_key_figure_with_a_number_is_accepted(value):
    call_command("load_demo", stdout=StringIO())
    figure = KeyFigure.objects.first()
    figure.value = value

    figure.full_clean()


def test_demo_nominees_have_small_pictures_with_alt_texts_in_each_language(client, media_root):
    call_command("load_demo", stdout=StringIO())
    voss = Nomination.objects.get(round__year=2020, municipality__name="Voss")

    pages = {}
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            pages[language] = client.get(voss.get_absolute_url()).text

    assert not Nomination.objects.filter(image="").exists()
    for name in set(Nomination.objects.values_list("image", flat=True)):
        path = media_root / name
        assert path.stat().st_size < 60_000
        with Image.open(path) as picture:
            assert (picture.format, picture.size) == ("PNG", (800, 450))
    assert voss.image.name == "nominations/demo/voss.png"
    assert voss.image_alt_nb.startswith("Illustrasjon: navnet Voss og fylket Vestland")
    assert voss.image_alt_nn.startswith("Illustrasjon: namnet Voss og fylket Vestland")
    assert voss.image_alt_en.startswith("Illustration: the name Voss and the county Vestland")
    for language in ("nb", "nn", "en"):
        alt = getattr(voss, f"image_alt_{language}")
        assert f'src="/media/nominations/demo/voss.png" alt="{alt}"' in pages[language]


def test_load_demo_again_copies_no_picture_twice(media_root):
    call_command("load_demo", stdout=StringIO())
    files = sorted(path.name for path in (media_root / "nominations" / "demo").iterdir())

    call_command("load_demo", stdout=StringIO())

    assert sorted(p.name for p in (media_root / "nominations" / "demo").iterdir()) == files
    assert len(files) == Municipality.objects.count()
    assert default_storage.exists("nominations/demo/asker.png")


def test_the_demo_marks_the_rounds_held_before_this_site_as_imported():
    call_command("load_demo", stdout=StringIO())

    imported = set(PrizeRound.objects.filter(imported=True).values_list("year", flat=True))

    assert imported == {*range(2008, 2017), 2018, 2020}


def test_the_archive_names_the_years_without_a_prize_once_in_each_language(client):
    call_command("load_demo", stdout=StringIO())
    last_gap = timezone.localtime().year - 2  # the demo rounds are this year and last year

    pages = {}
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            pages[language] = client.get(reverse("voting:archive")).text

    gaps = f"2017, 2019 %s 2021–{last_gap}"
    assert pages["nb"].count("Ingen pris er registrert for " + gaps % "og" + ".") == 1
    assert pages["nn"].count("Ingen pris er registrert for " + gaps % "og" + ".") == 1
    assert pages["en"].count("No prize is recorded for " + gaps % "and" + ".") == 1
    assert "Rundene i 2008–2016, 2018 og 2020 ble holdt før" in pages["nb"]
    assert "Vinneren er ikke registrert her." not in pages["nb"]
    assert pages["nb"].count("Hvem som vant, er ikke registrert i arkivet.") == 1  # 2020
    assert re.search(r"Nominerte:\s*<a [^>]*>Asker</a>, <a [^>]*>Gjøvik</a>", pages["nb"])


def test_the_2018_and_2020_pages_say_the_count_is_not_available_never_that_it_comes(client):
    call_command("load_demo", stdout=StringIO())

    page_2018 = client.get("/nb/2018/").text
    page_2020 = client.get("/nb/2020/").text
    english_2020 = client.get("/en/2020/").text

    for page in (page_2018, page_2020):
        assert "Stemmetall fra denne runden er ikke tilgjengelige her." in page
        assert "så snart opptellingen er ferdig" not in page
        assert "Runden ble holdt før dette nettstedet ble tatt i bruk." in page
        # The schedule's stand-in dates are not shown as facts.
        assert "kunngjort" not in page.split('class="phase', 1)[1].split("</p>", 1)[0]
    assert "Vinneren av prisen for 2018" in page_2018
    assert "Hvem som vant, er ikke registrert i arkivet." not in page_2018
    assert "Hvem som vant, er ikke registrert i arkivet." in page_2020
    assert "Who won is not recorded in the archive." in english_2020


def test_an_archive_winners_text_is_headed_as_the_archives_not_as_the_jurys_reasons(client):
    call_command("load_demo", stdout=StringIO())

    for year, language, heading in (
        (2018, "nb", "Fra arkivet"),
        (2012, "nn", "Frå arkivet"),
        (2012, "en", "From the archive"),
    ):
        page = client.get(f"/{language}/{year}/").text
        assert f"<h3>{heading}</h3>" in page
        assert "Juryens begrunnelse</h3>" not in page


def test_the_closed_demo_rounds_votes_come_mixed_and_over_its_whole_voting_window():
    call_command("load_demo", stdout=StringIO())
    closed = PrizeRound.objects.get(title__contains="avsluttet")
    votes = list(Vote.objects.filter(round=closed).order_by("cast_at"))
    window = closed.voting_closes_at - closed.voting_opens_at

    assert closed.voting_opens_at <= votes[0].cast_at < closed.voting_opens_at + window / 10
    assert closed.voting_closes_at - window / 10 < votes[-1].cast_at <= closed.voting_closes_at
    first_quarter = {vote.nomination_id for vote in votes[: len(votes) // 4]}
    assert first_quarter == set(closed.nominations.values_list("pk", flat=True))


def test_the_closed_demo_rounds_report_says_its_votes_were_loaded_not_confirmed():
    call_command("load_demo", stdout=StringIO())
    closed = PrizeRound.objects.get(title__contains="avsluttet")
    services.count_votes(prize_round=closed)

    report = integrity.report(closed)
    text = render_to_string("voting/_integrity_report.html", {"report": report})

    votes = Vote.objects.filter(round=closed).count()
    assert votes == sum(demo_votes := (41, 27, 33, 12, 36, 19)) == 168, demo_votes
    assert (report.counts.emails_sent, report.counts.votes_confirmed) == (0, 0)
    assert report.counts.votes_loaded == votes
    assert "0 bekreftelses-e-poster ble sendt." in text
    assert "0 stemmer ble bekreftet." in text
    assert "168 stemmer ble lagt inn direkte som demodata, uten e-post og uten bekreftelse." in text
    assert "talte 168 gyldige stemmer" in text


def test_votes_cast_in_the_open_demo_round_are_confirmed_ones(client, confirm_path):
    call_command("load_demo", stdout=StringIO())
    current = PrizeRound.objects.current()
    asker = current.nominations.get(municipality__name="Asker")

    request_vote(client=client, nomination=asker, email="kari.nordmann@example.no")
    client.post(confirm_path())

    counts = integrity.counters(current)
    assert Vote.objects.filter(nomination=asker).count() == 1
    assert (counts.emails_sent, counts.votes_confirmed, counts.votes_loaded) == (1, 1, 0)
