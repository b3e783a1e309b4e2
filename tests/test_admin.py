import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from nominees.models import Phase, PrizeRound
from tests.factories import make_municipality, make_nomination, make_round
from voting import services
from voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", password="pw-for-tests-only")
    client.force_login(user)
    return client


def cast(nomination, voter: str) -> Vote:
    return services.cast_vote(
        nomination=nomination, voter_key=voter * 64, email_domain="example.no", network_hash="n"
    )


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


def round_form(*, published: str, nominations=(), **fields: str) -> dict[str, str]:
    """POST data of the admin's round form, as a browser sends it."""
    data = {
        "year": "2031",
        "title_nb": "Bosettings- og integreringsprisen 2031",
        "title_nn": "Busetjings- og integreringsprisen 2031",
        "title_en": "",
        "intro_nb": "",
        "intro_nn": "",
        "intro_en": "",
        "nominees_published_at_0": published,
        "nominees_published_at_1": "09:00",
        "voting_opens_at_0": "01.03.2031",
        "voting_opens_at_1": "09:00",
        "voting_closes_at_0": "31.03.2031",
        "voting_closes_at_1": "23:59",
        "finalist_count": "3",
        "winner_rule": "finalists",
        **fields,
    }
    for prefix, count in (("nominations", len(nominations)), ("tallies", 0)):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(count),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    for i, municipality in enumerate(nominations):
        data[f"nominations-{i}-municipality"] = str(municipality.pk)
        data[f"nominations-{i}-display_order"] = str(i)
    return data


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
    vote = cast(nomination, "a")

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
