"""Nominee pages carry Open Graph and Twitter card tags, so a shared link
shows the nominee: "Stem på Asker!" while voting is open."""

import io
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation
from PIL import Image

from nominees.models import Phase
from tests.factories import make_nomination, make_round

pytestmark = pytest.mark.django_db

SUMMARY = 'Asker bosatte flere enn de ble bedt om, og «alle» fikk et "hjem" & en jobb.'
OG_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


class MetaTags(HTMLParser):
    """The page's <meta> tags: property or name -> list of contents."""

    def __init__(self):
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        key = attributes.get("property") or attributes.get("name")
        if tag == "meta" and key:
            self.tags.setdefault(key, []).append(attributes.get("content", ""))


def meta_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    parser = MetaTags()
    parser.feed(response.content.decode())
    return parser.tags


def nominee(phase: Phase, **kwargs):
    prize_round = make_round(year=2030, phase=phase)
    return make_nomination(prize_round=prize_round, name="Asker", summary=SUMMARY, **kwargs)


def one(tags, key):
    assert len(tags.get(key, [])) == 1, (key, tags.get(key))
    return tags[key][0]


def test_while_voting_is_open_the_shared_title_asks_for_a_vote(client):
    nomination = nominee(Phase.VOTING_OPEN)

    tags = meta_of(client.get(nomination.get_absolute_url()))

    assert one(tags, "og:title") == "Stem på Asker!"
    assert one(tags, "twitter:title") == "Stem på Asker!"
    assert one(tags, "og:description") == SUMMARY
    assert one(tags, "twitter:description") == SUMMARY
    assert one(tags, "og:url") == "http://testserver" + nomination.get_absolute_url()
    assert one(tags, "og:type") == "website"
    assert one(tags, "twitter:card") == "summary"
    assert "og:image" not in tags
    assert "twitter:image" not in tags


@pytest.mark.parametrize(
    "phase", [Phase.NOMINEES_PUBLISHED, Phase.VOTING_CLOSED, Phase.WINNER_ANNOUNCED]
)
def test_outside_voting_the_shared_title_names_the_municipality_and_round(client, phase):
    nomination = nominee(phase)

    tags = meta_of(client.get(nomination.get_absolute_url()))

    expected = "Asker – Bosettings- og integreringsprisen 2030"
    assert one(tags, "og:title") == expected
    assert one(tags, "twitter:title") == expected


def test_a_nomination_with_an_image_shares_it_as_a_large_card(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ALLOWED_HOSTS = ["stem.example.no"]
    nomination = nominee(Phase.VOTING_OPEN)
    png = io.BytesIO()
    Image.new("RGB", (1200, 630), "#00504b").save(png, format="PNG")
    nomination.image.save("asker.png", ContentFile(png.getvalue()), save=False)
    nomination.image_alt = "Ordføreren tar imot nye innbyggere på rådhuset."
    nomination.save()

    tags = meta_of(client.get(nomination.get_absolute_url(), HTTP_HOST="stem.example.no"))

    image_url = one(tags, "og:image")
    assert image_url == "http://stem.example.no" + nomination.image.url
    assert image_url.endswith(".png")
    assert one(tags, "twitter:image") == image_url
    assert one(tags, "og:image:alt") == nomination.image_alt
    assert one(tags, "twitter:image:alt") == nomination.image_alt
    assert one(tags, "twitter:card") == "summary_large_image"
    assert one(tags, "og:url") == "http://stem.example.no" + nomination.get_absolute_url()


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_shared_locale_is_the_pages_language(client, language):
    nomination = nominee(Phase.VOTING_OPEN)
    with translation.override(language):
        path = nomination.get_absolute_url()

    tags = meta_of(client.get(path))

    assert one(tags, "og:locale") == OG_LOCALES[language]
    assert sorted(tags.get("og:locale:alternate", [])) == sorted(
        OG_LOCALES[code] for code, _name in settings.LANGUAGES if code != language
    )
    assert one(tags, "og:url") == "http://testserver" + path


def test_pages_other_than_nominee_pages_carry_no_sharing_tags(client):
    nomination = nominee(Phase.VOTING_OPEN)

    tags = meta_of(client.get(nomination.round.get_absolute_url()))

    assert not [key for key in tags if key.startswith(("og:", "twitter:"))]
