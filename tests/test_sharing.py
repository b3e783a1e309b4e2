"""Nominee pages carry Open Graph and Twitter card tags, so a shared link
shows the nominee: "Stem på Asker!" while voting is open."""

import io
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.templatetags.static import static
from django.utils import translation
from PIL import Image

from nominees.models import Phase
from tests.factories import make_nomination, make_round, served_static

pytestmark = pytest.mark.django_db

PUBLIC = "https://stem.example.no"
SUMMARY = 'Asker bosatte flere enn de ble bedt om, og «alle» fikk et "hjem" & en jobb.'
OG_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}
DEFAULT_IMAGE_ALT = {
    "nb": "Navnet på prisen, Bosettings- og integreringsprisen, og IMDi i hvit skrift på grønn "
    "bakgrunn.",
    "nn": "Namnet på prisen, Bosettings- og integreringsprisen, og IMDi i kvit skrift på grøn "
    "bakgrunn.",
    "en": "The name of the prize, Bosettings- og integreringsprisen, and IMDi in white letters "
    "on a green background.",
}


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


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
    assert one(tags, "og:url") == PUBLIC + nomination.get_absolute_url()
    assert one(tags, "og:type") == "website"


@pytest.mark.parametrize(
    "phase", [Phase.NOMINEES_PUBLISHED, Phase.VOTING_CLOSED, Phase.WINNER_ANNOUNCED]
)
def test_outside_voting_the_shared_title_names_the_municipality_and_round(client, phase):
    nomination = nominee(phase)

    tags = meta_of(client.get(nomination.get_absolute_url()))

    expected = "Asker – Bosettings- og integreringsprisen 2030"
    assert one(tags, "og:title") == expected
    assert one(tags, "twitter:title") == expected


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_nomination_without_an_image_shares_the_prizes_own_picture(client, language):
    nomination = nominee(Phase.VOTING_OPEN)
    with translation.override(language):
        path = nomination.get_absolute_url()

    tags = meta_of(client.get(path))

    image_url = one(tags, "og:image")
    assert image_url == PUBLIC + static("img/share.png")
    assert one(tags, "twitter:image") == image_url
    assert one(tags, "og:image:alt") == DEFAULT_IMAGE_ALT[language]
    assert one(tags, "twitter:image:alt") == DEFAULT_IMAGE_ALT[language]
    assert one(tags, "twitter:card") == "summary_large_image"
    assert one(tags, "og:image:type") == "image/png"
    assert (one(tags, "og:image:width"), one(tags, "og:image:height")) == ("1200", "630")


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_prizes_own_picture_is_a_1200_by_630_png_with_readable_text():
    found = finders.find("img/share.png")
    assert found, "static/img/share.png is missing"

    with Image.open(found) as image:
        assert image.format == "PNG"
        assert image.size == (1200, 630)
        colours = sorted(image.convert("RGB").getcolors(maxcolors=1200 * 630), reverse=True)
    # The two commonest colours are the background and the letters (the rest
    # are their anti-aliased edges).
    (background_pixels, background), (text_pixels, text) = colours[:2]
    lighter, darker = sorted(map(relative_luminance, (background, text)), reverse=True)
    assert background_pixels > 0.7 * 1200 * 630  # a solid colour
    assert text_pixels > 10_000  # and real text on it
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5  # WCAG AA contrast


def test_a_nomination_with_an_image_shares_it_as_a_large_card(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    nomination = nominee(Phase.VOTING_OPEN)
    png = io.BytesIO()
    Image.new("RGB", (1200, 630), "#00504b").save(png, format="PNG")
    nomination.image.save("asker.png", ContentFile(png.getvalue()), save=False)
    nomination.image_alt = "Ordføreren tar imot nye innbyggere på rådhuset."
    nomination.save()

    tags = meta_of(client.get(nomination.get_absolute_url()))

    image_url = one(tags, "og:image")
    assert image_url == PUBLIC + nomination.image.url
    assert image_url.endswith(".png")
    assert one(tags, "twitter:image") == image_url
    assert one(tags, "og:image:alt") == nomination.image_alt
    assert one(tags, "twitter:image:alt") == nomination.image_alt
    assert one(tags, "twitter:card") == "summary_large_image"
    assert "og:image:width" not in tags  # the default picture's size is not this one's
    assert one(tags, "og:url") == PUBLIC + nomination.get_absolute_url()


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
    assert one(tags, "og:url") == PUBLIC + path


def test_shared_links_are_on_the_public_address_whatever_host_the_page_was_asked_for(client):
    # Django checks the host name against ALLOWED_HOSTS, never the port.
    nomination = nominee(Phase.VOTING_OPEN)

    tags = meta_of(client.get(nomination.get_absolute_url(), HTTP_HOST="testserver:9999"))

    assert one(tags, "og:url") == PUBLIC + nomination.get_absolute_url()
    assert one(tags, "og:image") == PUBLIC + static("img/share.png")


def test_pages_other_than_nominee_pages_carry_no_sharing_tags(client):
    nomination = nominee(Phase.VOTING_OPEN)

    tags = meta_of(client.get(nomination.round.get_absolute_url()))

    assert not [key for key in tags if key.startswith(("og:", "twitter:"))]


def test_public_pages_error_pages_and_the_admin_show_the_sites_own_icon(client, admin_client):
    # Without one, every new browser session asks for /favicon.ico and gets a 404.
    icon = f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">'
    nomination = make_nomination(prize_round=make_round(year=2030), name="Asker")
    pages = {
        "home": client.get("/nb/"),
        "nominee": client.get(f"/en/2030/{nomination.municipality.slug}/"),
        "not found": client.get("/nn/2030/atlantis/"),
        "admin login": client.get("/admin/login/"),
        "admin index": admin_client.get("/admin/"),
        "admin change list": admin_client.get("/admin/nominees/nomination/"),
    }

    assert {name: icon in page.text for name, page in pages.items()} == dict.fromkeys(pages, True)
    drawing = served_static(url=static("img/favicon.svg"))
    assert drawing.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">')
    assert 'fill="#00504b"' in drawing  # the site's green, --brand in site.css
