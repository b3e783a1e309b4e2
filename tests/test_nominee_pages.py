"""What the round page's cards and the nominee page show of a nomination:
its key figures as a number with a label, and its image with its alternative
text, sized so the page does not jump while it loads."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from nominees.models import Phase
from tests.factories import make_nomination, make_round

pytestmark = pytest.mark.django_db

ALT = "Deltakere og veiledere på kafeen i Gjøvik sentrum."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(width: int, height: int) -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 80, 75)).save(out, format="PNG")
    return ContentFile(out.getvalue())


def with_image(nomination, *, alt: str = ALT, width: int = 60, height: int = 40):
    nomination.image_alt = alt
    nomination.image.save("gjovik.png", png(width, height), save=False)
    nomination.save()
    return nomination


def test_a_key_figure_shows_its_value_as_the_number_and_its_label_as_the_label(client):
    nomination = make_nomination(
        prize_round=make_round(),
        name="Asker",
        key_figures=(("bosatte flyktninger i 2019", "44"), ("i arbeid eller utdanning", "78 %")),
    )

    card = client.get("/nb/2030/").text
    page = client.get(nomination.get_absolute_url()).text

    # The card: the first figure, the number first and strong.
    assert (
        '<p class="figure"><strong class="figure__value">44</strong> '
        '<span class="figure__label">bosatte flyktninger i 2019</span></p>'
    ) in card
    assert "78 %" not in card
    figures = re.search(r'<ul class="figures">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(
        r'<li class="figure"><strong class="figure__value">([^<]+)</strong> '
        r'<span class="figure__label">([^<]+)</span></li>',
        figures,
    ) == [("44", "bosatte flyktninger i 2019"), ("78\u00a0%", "i arbeid eller utdanning")]


def test_a_card_shows_the_nominees_image_with_its_alt_text_size_and_lazy_loading(client, media):
    nomination = with_image(make_nomination(prize_round=make_round(), name="Gjøvik"))
    make_nomination(prize_round=nomination.round, name="Voss")

    page = client.get("/nb/2030/").text

    images = re.findall(r"<img [^>]+>", page)
    assert images == [
        f'<img class="nominee__image" src="/media/{nomination.image.name}" alt="{ALT}" '
        'width="60" height="40" loading="lazy" decoding="async">'
    ]
    assert (media / nomination.image.name).exists()


def test_the_nominee_page_shows_the_image_with_its_size(client, media):
    nomination = with_image(make_nomination(prize_round=make_round(), name="Gjøvik"))

    page = client.get(nomination.get_absolute_url()).text

    assert (
        f'<img class="nominee-image" src="/media/{nomination.image.name}" alt="{ALT}" '
        'width="60" height="40">'
    ) in page


def test_an_image_alt_text_is_bokmal_and_marked_so_on_other_pages(client, media):
    with_image(make_nomination(prize_round=make_round(), name="Gjøvik"))

    english = client.get("/en/2030/").text
    bokmal = client.get("/nb/2030/").text

    assert f'alt="{ALT}" lang="nb"' in english
    assert f'alt="{ALT}" width=' in bokmal


def test_an_image_whose_file_is_gone_is_left_out_and_the_page_still_shows(client, media):
    nomination = with_image(make_nomination(prize_round=make_round(), name="Gjøvik"))
    (media / nomination.image.name).unlink()

    card = client.get("/nb/2030/")
    page = client.get(nomination.get_absolute_url())

    assert card.status_code == page.status_code == 200
    assert "<img" not in card.text
    assert '<img class="nominee-image"' not in page.text
    assert "Gjøvik" in card.text


def test_a_nominee_without_an_image_has_none_on_its_card(client):
    make_nomination(prize_round=make_round(phase=Phase.WINNER_ANNOUNCED), name="Voss")

    assert "<img" not in client.get("/nb/2030/").text
