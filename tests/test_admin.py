import json
import re
from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from modeltranslation.translator import translator

from nominees.missing_translations import missing_translations
from nominees.models import KeyFigure, Nomination, Phase, PrizeRound
from tests.factories import make_municipality, make_nomination, make_round, make_staff, make_vote
from tests.forms import round_form
from voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = make_staff(username="staff", superuser=True)
    client.force_login(user)
    return client


def test_municipalities_can_be_searched_by_name_and_number(staff_client):
    make_municipality(name="Asker")
    voss = make_municipality(name="Voss")
    url = reverse("admin:nominees_municipality_changelist")

    by_name = staff_client.get(url, {"q": "Voss"})
    by_number = staff_client.get(url, {"q": voss.number})

    assert list(by_name.context["cl"].result_list) == [voss]
    assert list(by_number.context["cl"].result_list) == [voss]


def test_round_list_and_form_show_the_phase_and_nominations_inline(staff_client):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    nomination = make_nomination(prize_round=prize_round, name="Sunndal")

    listing = staff_client.get(reverse("admin:nominees_prizeround_changelist"))
    form = staff_client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))

    assert "Avstemningen er åpen" in listing.text
    assert "Avstemningen er åpen til" in form.text
    assert form.context["inline_admin_formsets"][0].formset.queryset.get() == nomination


def test_staff_can_add_a_round_with_six_nominations_in_one_form(staff_client):
    municipalities = [make_municipality(name=f"K{i}") for i in range(6)]
    data = round_form(published="01.02.2031", nominations=municipalities)

    response = staff_client.post(reverse("admin:nominees_prizeround_add"), data)

    assert response.status_code == 302, response.context["adminform"].errors
    created = PrizeRound.objects.get(year=2031)
    assert created.nominations.count() == 6
    assert timezone.localtime(created.voting_closes_at).strftime("%d.%m %H:%M") == "31.03 23:59"


def test_round_with_schedule_out_of_order_is_refused_in_the_admin(staff_client):
    data = round_form(published="01.04.2031")

    response = staff_client.post(reverse("admin:nominees_prizeround_add"), data)

    assert response.status_code == 200
    assert "rekkefølge" in response.text
    assert not PrizeRound.objects.exists()


def test_a_municipality_nominated_twice_in_the_round_form_is_named_in_norwegian(staff_client):
    asker = make_municipality(name="Asker")
    data = round_form(published="01.02.2031", nominations=[asker, asker])

    with translation.override("nb"):
        response = staff_client.post(reverse("admin:nominees_prizeround_add"), data)

    assert response.status_code == 200
    assert "Vennligst korriger dupliserte data for kommune." in response.text
    assert "municipality." not in response.text
    assert not PrizeRound.objects.exists()


def test_votes_are_read_only_in_the_admin(staff_client):
    nomination = make_nomination(prize_round=make_round(), name="Voss")
    vote = make_vote(nomination=nomination, voter_key="a" * 64)

    listing = staff_client.get(reverse("admin:voting_vote_changelist"))
    detail = staff_client.get(reverse("admin:voting_vote_change", args=[vote.pk]))
    add = staff_client.get(reverse("admin:voting_vote_add"))
    change = staff_client.post(
        reverse("admin:voting_vote_change", args=[vote.pk]), {"status": "invalidated"}
    )

    assert listing.status_code == 200
    assert vote.receipt in listing.text
    assert detail.status_code == 200
    assert vote.voter_key not in detail.text
    assert add.status_code == 403
    assert change.status_code == 403
    vote.refresh_from_db()
    assert vote.status == Vote.Status.VALID


# Missing translations: a warning for staff, never a block


def complete_round():
    """A round whose every text is in bokmål, nynorsk and English."""
    prize_round = make_round(phase=Phase.NOMINEES_PUBLISHED)
    prize_round.title_nn = "Busetjings- og integreringsprisen 2030"
    prize_round.title_en = "The Settlement and Integration Prize 2030"
    prize_round.intro_nb = "Stem på kommunen du mener bør vinne."
    prize_round.intro_nn = "Stem på kommunen du meiner bør vinne."
    prize_round.intro_en = "Vote for the municipality you think should win."
    prize_round.save()
    nomination = make_nomination(
        prize_round=prize_round, name="Gjøvik", key_figures=(("Bosatte flyktninger", "120"),)
    )
    for field, nn, en in (
        ("summary", "Eit kort samandrag.", "A short summary."),
        ("justification", "Ei grunngjeving.", "A justification."),
    ):
        setattr(nomination, f"{field}_nn", nn)
        setattr(nomination, f"{field}_en", en)
    nomination.save()
    nomination.key_figures.update(label_nn="Busette flyktningar", label_en="Refugees settled")
    return prize_round, nomination


def test_the_round_page_names_the_texts_that_lack_nynorsk_or_english(staff_client):
    prize_round, nomination = complete_round()
    prize_round.intro_en = ""
    prize_round.save()
    nomination.justification_nn = nomination.justification_en = ""
    nomination.save()
    nomination.key_figures.update(label_en="")

    page = staff_client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))
    listing = staff_client.get(reverse("admin:nominees_prizeround_changelist"))

    warnings = [str(m) for m in page.context["messages"] if m.level_tag == "warning"]
    assert any(
        "mangler oversettelse (1 tekst mangler på nynorsk; 3 tekster mangler på engelsk)" in m
        and "Runden kan likevel lagres og publiseres." in m
        for m in warnings
    )
    listed = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "Runden innledning: mangler på engelsk" in listed
    assert "Nominasjon Gjøvik (2030) begrunnelse: mangler på nynorsk og engelsk" in listed
    assert "nøkkeltall «Bosatte flyktninger: 120», hva tallet viser: mangler på engelsk" in listed
    assert "sammendrag: mangler" not in listed
    assert "tittel: mangler" not in listed
    column = '<td class="field-translations_column">nynorsk:\u00a01<br>engelsk:\u00a03</td>'
    assert column in listing.text


def test_a_round_with_missing_translations_still_saves_with_the_warning(staff_client):
    prize_round, nomination = complete_round()
    url = reverse("admin:nominees_prizeround_change", args=[prize_round.pk])
    data = round_form(
        published="01.02.2031",
        year="2030",
        title_nb="Ny tittel",
        title_nn="",
        title_en="",
        intro_nb=prize_round.intro_nb,
        intro_nn=prize_round.intro_nn,
        intro_en=prize_round.intro_en,
    )
    data |= {"nominations-TOTAL_FORMS": "1", "nominations-INITIAL_FORMS": "1"}
    data |= {
        "nominations-0-id": str(nomination.pk),
        "nominations-0-round": str(prize_round.pk),
        "nominations-0-municipality": str(nomination.municipality_id),
        "nominations-0-display_order": "0",
    }

    response = staff_client.post(url, data, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:nominees_prizeround_changelist")
    prize_round.refresh_from_db()
    assert prize_round.title_nb == "Ny tittel"
    assert not prize_round.title_nn
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any("1 tekst mangler på nynorsk; 1 tekst mangler på engelsk" in m for m in warnings)


def test_a_round_whose_texts_are_all_translated_gets_no_warning(staff_client):
    prize_round, _ = complete_round()
    # A text that is empty in bokmål too has nothing to translate.
    make_nomination(prize_round=prize_round, name="Voss", summary="", justification="")

    page = staff_client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))

    assert not [m for m in page.context["messages"] if m.level_tag == "warning"]
    assert "Alle tekstene finnes på bokmål, nynorsk og engelsk." in page.text
    assert "mangler på" not in page.text


def test_every_field_registered_for_translation_is_checked_not_a_list_of_its_own():
    prize_round, nomination = complete_round()
    registered = {
        model: list(translator.get_options_for_model(model).all_fields)
        for model in (PrizeRound, Nomination, KeyFigure)
    }
    for row in (prize_round, nomination, *nomination.key_figures.all()):
        for field in registered[type(row)]:
            setattr(row, f"{field}_nb", getattr(row, f"{field}_nb") or "Tekst på bokmål.")
            setattr(row, f"{field}_en", getattr(row, f"{field}_en") or "Text in English.")
            setattr(row, f"{field}_nn", "")
        row.save()

    found = missing_translations(prize_round)

    expected = {
        str(type(row)._meta.get_field(field).verbose_name)
        for row in (prize_round, nomination, *nomination.key_figures.all())
        for field in registered[type(row)]
    }
    assert {item.text.rsplit(", ", 1)[-1] for item in found} == expected
    assert all(item.languages == ("nn",) for item in found)


# The admin in Norwegian: Django's strings that its nb and nn catalogues lack,
# and the packages' pages (config/admin_strings.py, config/third_party_admin.py).


@pytest.fixture
def admin_in(client):
    """A superuser's client reading the admin in a language, as the cookie sets it."""
    user = make_staff(username="kari", superuser=True)
    client.force_login(user)

    def read(url: str, language: str) -> str:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response.status_code == 200
        assert f'<html lang="{language}"' in response.text
        return response.text

    read.user = user
    read.client = client
    return read


ENGLISH_ON_THE_INDEX = [
    "TOTP devices",
    "Static devices",
    "Task Results",
    "Access attempts",
    "Access failures",
    "Access logs",
    "Model name",
]


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [
        (
            "nb",
            [
                "TOTP-enheter",
                "Reservekodelister",
                "Oppgaver",
                "Mislykkede forsøk",
                "Feilede innlogginger",
                "Innlogginger",
            ],
        ),
        (
            "nn",
            [
                "TOTP-einingar",
                "Reservekodelister",
                "Oppgåver",
                "Mislukka forsøk",
                "Feila innloggingar",
                "Innloggingar",
            ],
        ),
    ],
)
def test_the_admin_index_names_the_packages_models_in_norwegian(admin_in, language, norwegian):
    page = admin_in(reverse("admin:index"), language)

    assert [name for name in norwegian if name not in page] == []
    assert [name for name in ENGLISH_ON_THE_INDEX if name in page] == []


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [
        ("nb", ["Vis antall", "Etter fylke", 'placeholder="Skriv for å filtrere']),
        ("nn", ["Vis tal", "Etter fylke", 'placeholder="Skriv for å filtrere']),
    ],
)
def test_a_change_list_with_filters_is_norwegian(admin_in, language, norwegian):
    make_municipality(name="Asker")

    page = admin_in(reverse("admin:nominees_municipality_changelist"), language)

    assert [text for text in norwegian if text not in page] == []
    assert "Show counts" not in page and "Start typing" not in page


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [
        ("nb", ["Velg alle %s", "(klikk for å tømme)", "mandag", "søn."]),
        ("nn", ["Vel alle %s", "(klikk for å tømme)", "måndag", "laurdag"]),
    ],
)
def test_the_admins_javascript_strings_are_norwegian(admin_in, language, norwegian):
    # The permission pickers and the calendar: Django's own nb and nn djangojs
    # catalogues lack these, so the project's locale/*/djangojs.po holds them.
    admin_in.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    script = admin_in.client.get(reverse("admin:jsi18n")).content.decode()

    assert [text for text in norwegian if json.dumps(text) not in script] == []


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [("nb", ["5 oppføringer", "Endret:"]), ("nn", ["5 oppføringar", "Endra:"])],
)
def test_the_history_and_recent_actions_are_norwegian(admin_in, language, norwegian):
    municipality = make_municipality(name="Asker")
    for _ in range(5):
        LogEntry.objects.log_actions(
            user_id=admin_in.user.pk,
            queryset=[municipality],
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": ["Navn"]}}],
            single_object=True,
        )

    history = admin_in(
        reverse("admin:nominees_municipality_history", args=[municipality.pk]), language
    )
    index = admin_in(reverse("admin:index"), language)

    assert norwegian[0] in history and "entries" not in history
    assert norwegian[1] in index and "Changed:" not in index


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [
        ("nb", ["TOTP-enheter", "Bruker", "Sist brukt", "Bekreftet", "Vis QR-kode"]),
        ("nn", ["TOTP-einingar", "Brukar", "Sist brukt", "Stadfesta", "Vis QR-kode"]),
    ],
)
def test_the_authenticator_apps_pages_are_norwegian(admin_in, language, norwegian):
    device = TOTPDevice.objects.create(user=admin_in.user, name="Telefon")

    listed = admin_in(reverse("admin:otp_totp_totpdevice_changelist"), language)
    changed = admin_in(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]), language)

    assert [text for text in norwegian if text not in listed] == []
    for english in ["TOTP device", "Last used at", "qrcode<", "Search by user"]:
        assert english not in listed
    for english in ["Identity", "Timestamps", "Configuration", "The time step in seconds."]:
        assert english not in changed


@pytest.mark.parametrize(
    ("language", "status", "run_after"),
    [("nb", "Klar", "Kjøres tidligst"), ("nn", "Klar", "Køyrast tidlegast")],
)
def test_task_results_are_norwegian_and_run_after_is_in_norwegian_time(
    admin_in, language, status, run_after
):
    task = DBTaskResult.objects.create(
        task_path="voting.mail.erase_expired_links",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=datetime(2026, 1, 15, 11, 30, tzinfo=UTC),
    )

    listed = admin_in(reverse("admin:django_tasks_database_dbtaskresult_changelist"), language)
    changed = admin_in(
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[task.pk]), language
    )

    assert status in listed and run_after in listed
    assert "Task Results" not in listed and "Enqueued at" not in listed
    assert "15. januar 2026 kl. 12.30" in listed  # 11.30 UTC
    assert "15. januar 2026 kl. 12.30" in changed
    assert "+00:00" not in changed and "Run after" not in changed


@pytest.mark.parametrize(
    ("language", "norwegian"),
    [
        ("nb", ["Mislykkede forsøk", "2 forsøk igjen", "Brukernavn"]),
        ("nn", ["Mislukka forsøk", "2 forsøk att", "Brukarnamn"]),
    ],
)
def test_login_attempts_are_norwegian(admin_in, language, norwegian):
    AccessAttempt.objects.create(
        username="ola",
        ip_address="127.0.0.1",
        user_agent="Mozilla/5.0",
        failures_since_start=3,
        get_data="",
        post_data="",
        http_accept="text/html",
        path_info="/admin/login/",
    )

    page = admin_in(reverse("admin:axes_accessattempt_changelist"), language)

    assert [text for text in norwegian if text not in page] == []
    for english in ["Access attempts", "Attempt Remaining", "Failed Logins", "Clean up expired"]:
        assert english not in page
