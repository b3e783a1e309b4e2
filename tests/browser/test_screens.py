"""Screenshots of the main pages on a phone (375 px) and a desktop (1280 px), in
bokmål and in English (the longest labels), written to tests/browser/screenshots/
(git-ignored) for a person to look at. The tests check what a look would:
nothing wider than the window, no text cut off by its box, and on the phone
every link, button and field at least 44 px each way (links inside running
text are exempt, as in WCAG 2.5.8)."""

import pytest
from django.urls import reverse
from django.utils import translation

from nominees.models import Phase
from voting import confirmation

from .helpers import SCREENSHOTS, assert_fits_and_tappable, round_in_phase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIPPED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('[aria-hidden="true"], .skip-link')) continue;
    const style = getComputedStyle(el);
    const clips = ['hidden', 'clip'];
    if (!clips.includes(style.overflowX) && !clips.includes(style.overflowY)) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      found.push(`${el.tagName.toLowerCase()}.${el.className}`);
    }
  }
  return found;
}"""

# How many lines the header's language links take.
SWITCHER_LINES = """() => new Set([...document.querySelectorAll('.language-switcher a')]
  .map(a => Math.round(a.getBoundingClientRect().top))).size"""


# Bokmål, the default, and English, the language with the longest labels.
@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_main_pages_fit_phones_and_desktops(live_server, open_page, language, width):
    results_round = round_in_phase(Phase.WINNER_ANNOUNCED, year=2029)
    voting_round = round_in_phase(Phase.VOTING_OPEN, year=2030)
    asker = voting_round.nominations.get(municipality__name="Asker")
    token = confirmation.make_token(nomination=asker, address="kari@example.no")
    with translation.override(language):
        pages = {
            "nominee-list": voting_round.get_absolute_url(),
            "nominee": asker.get_absolute_url(),
            "confirm": reverse("voting:confirm", args=[token]),
            "results": results_round.get_absolute_url(),
        }
    page = open_page(width=width, height=800)
    SCREENSHOTS.mkdir(exist_ok=True)
    written = []

    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        assert page.evaluate("document.documentElement.lang") == language, name
        where = f"{name} in {language} at {width} px"
        assert_fits_and_tappable(page, where, check_targets=width == 375)
        assert page.evaluate(CLIPPED) == [], where
        # Not one language left alone on a second line.
        assert page.evaluate(SWITCHER_LINES) == 1, where
        shot = SCREENSHOTS / f"{name}-{language}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        written.append(shot)

    # The results page is the one with the winner and the finalists.
    page.goto(live_server.url + pages["results"])
    assert page.locator("main .winner__name").inner_text() == "Asker"
    assert page.locator("main .finalist").count() == 3
    print(f"\nScreenshots in {language} at {width} px: " + ", ".join(map(str, written)))


# The first line of the h1, as the browser broke it.
FIRST_LINE_OF_H1 = """() => {
  const text = document.querySelector('main h1').firstChild;
  const range = document.createRange();
  let first = '';
  let top = null;
  for (let i = 0; i < text.length; i++) {
    range.setStart(text, i);
    range.setEnd(text, i + 1);
    const rects = range.getClientRects();
    if (!rects.length) { first += text.data[i]; continue; }
    if (top === null) top = rects[0].top;
    if (rects[0].top > top + 1) break;
    first += text.data[i];
  }
  return first.replace(/\\u00ad/g, '-');
}"""


@pytest.mark.parametrize(
    ("language", "first_line"),
    [("nb", "Tilgjengelighets-"), ("nn", "Tilgjengelegheits-")],
)
def test_the_accessibility_heading_breaks_where_its_compound_joins_on_a_phone(
    live_server, open_page, language, first_line
):
    page = open_page(width=375, height=800)
    with translation.override(language):
        page.goto(live_server.url + reverse("voting:accessibility"))

    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("getComputedStyle(document.querySelector('main h1')).hyphens") == "auto"
    assert page.evaluate(FIRST_LINE_OF_H1) == first_line


# Per row of cards (by their top): the heights, and the tops of the vote buttons.
CARD_ROWS = """() => {
  const rows = {};
  for (const card of document.querySelectorAll('.nominee')) {
    const box = card.getBoundingClientRect();
    const button = card.querySelector('.button');
    const row = (rows[Math.round(box.top)] ||= {heights: [], buttons: []});
    row.heights.push(Math.round(box.height));
    if (button) row.buttons.push(Math.round(button.getBoundingClientRect().top));
  }
  return Object.values(rows);
}"""


def test_the_cards_of_a_row_are_equally_tall_with_their_buttons_level(live_server, open_page):
    voting_round = round_in_phase(Phase.VOTING_OPEN, year=2030)
    # Summaries of very different lengths, one with none at all.
    for n, nomination in enumerate(voting_round.nominations.all()):
        nomination.summary = "Kort." if n % 3 else nomination.summary * 2
        if n == 4:
            nomination.summary = ""
        nomination.save()
    page = open_page(width=1280, height=900)
    page.goto(live_server.url + voting_round.get_absolute_url())

    rows = page.evaluate(CARD_ROWS)

    assert len(rows) == 2
    for row in rows:
        assert len(row["heights"]) == 3
        assert len(set(row["heights"])) == 1, row
        assert len(set(row["buttons"])) == 1, row
