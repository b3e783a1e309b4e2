"""Staff choose a round's verification in the admin: e-mail by default, or
ID-porten once the site is set up for it; fixed once voting has opened, like
the round's other rules."""

import pytest
from django.urls import reverse

from nominees.models import Phase, PrizeRound, Verification
from tests.factories import make_round, make_staff
from tests.forms import posted_form, round_form

pytestmark = pytest.mark.django_db

NOT_SET_UP = "ID-porten er ikke satt opp for nettstedet"


@pytest.fixture
def staff(client):
    client.force_login(make_staff(username="kari", group="IMDi-ansatte"))
    return client


def change_url(prize_round: PrizeRound) -> str:
    return reverse("admin:nominees_prizeround_change", args=[prize_round.pk])


def post_change(client, prize_round: PrizeRound, **changes: str):
    """The round's change form as the page shows it, with ``changes``."""
    page = client.get(change_url(prize_round))
    data = posted_form(page.text, "prizeround_form")
    data.update({name: [value] for name, value in changes.items()})
    return client.post(change_url(prize_round), data)


def test_a_new_round_confirms_votes_by_email_unless_staff_choose_otherwise(staff):
    page = staff.get(reverse("admin:nominees_prizeround_add"))
    data = round_form(published="01.02.2031")
    del data["verification"]
    data["verification"] = posted_form(page.text, "prizeround_form")["verification"][0]

    created = staff.post(reverse("admin:nominees_prizeround_add"), data)

    assert created.status_code == 302
    assert PrizeRound.objects.get(year=2031).verification == Verification.EMAIL
    assert "Slik bekrefter velgerne stemmen" in page.text
    assert "én person gir én stemme" in page.text  # the help text
    assert "Fødselsnummeret lagres ikke" in page.text


def test_staff_set_a_round_to_idporten_when_the_site_is_set_up_for_it(staff, settings):
    settings.IDPORTEN_ISSUER = "https://test.idporten.no"
    data = round_form(published="01.02.2031", verification="idporten")

    created = staff.post(reverse("admin:nominees_prizeround_add"), data)

    assert created.status_code == 302
    assert PrizeRound.objects.get(year=2031).uses_idporten


def test_the_admin_refuses_idporten_while_the_site_is_not_set_up_for_it(staff, settings):
    settings.IDPORTEN_ISSUER = ""
    data = round_form(published="01.02.2031", verification="idporten")

    refused = staff.post(reverse("admin:nominees_prizeround_add"), data)
    draft = make_round(year=2032, phase=Phase.NOMINEES_PUBLISHED)
    changed = post_change(staff, draft, verification="idporten")

    assert refused.status_code == 200
    assert NOT_SET_UP in refused.text
    assert "IDPORTEN_ISSUER" in refused.text
    assert not PrizeRound.objects.filter(year=2031).exists()
    assert changed.status_code == 200
    assert NOT_SET_UP in changed.text
    draft.refresh_from_db()
    assert draft.verification == Verification.EMAIL


def test_a_round_set_to_idporten_keeps_it_when_edited_after_the_settings_went(staff, settings):
    draft = make_round(
        year=2032, phase=Phase.NOMINEES_PUBLISHED, verification=Verification.IDPORTEN
    )
    settings.IDPORTEN_ISSUER = ""

    saved = post_change(staff, draft, title_nb="Ny tittel")

    assert saved.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.verification) == ("Ny tittel", Verification.IDPORTEN)


def test_the_verification_is_fixed_once_voting_has_opened(staff, settings):
    settings.IDPORTEN_ISSUER = "https://test.idporten.no"
    open_round = make_round(year=2030, phase=Phase.VOTING_OPEN)

    page = staff.get(change_url(open_round))
    crafted = post_change(staff, open_round, verification="idporten")

    assert 'name="verification"' not in page.text
    assert "hvordan velgerne bekrefter stemmen" in page.text
    assert crafted.status_code == 200
    assert "Avstemningen har åpnet" in crafted.text
    open_round.refresh_from_db()
    assert open_round.verification == Verification.EMAIL


def test_staff_may_change_the_verification_before_voting_opens(staff, settings):
    settings.IDPORTEN_ISSUER = "https://test.idporten.no"
    draft = make_round(year=2032, phase=Phase.NOMINEES_PUBLISHED)

    saved = post_change(staff, draft, verification="idporten")

    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.uses_idporten
