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
    // A character at the start of a line may also give an empty box at the
    // end of the line before: only boxes with a width count.
    const rects = [...range.getClientRects()].filter(rect => rect.width > 0);
    if (!rects.length) { first += text.data[i]; continue; }
    if (top === null) top = rects[0].top;
    if (rects[rects.length - 1].top > top + 1) break;
    first += text.data[i];
  }
  // A soft hyphen the line broke at shows as a hyphen; the others show nothing.
  return first.replace(/\\u00ad$/, '-').replace(/\\u00ad/g, '');
}"""


@pytest.mark.parametrize(
    ("language", "first_line"),
    # The nynorsk word is short enough for one line.
    [("nb", "Tilgjengelighets-"), ("nn", "Tilgjengeerklæring")],
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


# Per row of cards (by their top): the heights, and the tops of the key
# figures and of the vote buttons.
CARD_ROWS = """() => {
  const rows = {};
  const top = (card, selector) => {
    const found = card.querySelector(selector);
    return found ? Math.round(found.getBoundingClientRect().top) : null;
  };
  for (const card of document.querySelectorAll('.nominee')) {
    const box = card.getBoundingClientRect();
    const row = (rows[Math.round(box.top)] ||= {heights: [], figures: [], buttons: []});
    row.heights.push(Math.round(box.height));
    row.figures.push(top(card, '.figure'));
    row.buttons.push(top(card, '.button'));
  }
  return Object.values(rows);
}"""


def test_the_cards_are_equally_tall_with_key_figures_and_buttons_level(live_server, open_page):
    voting_round = round_in_phase(Phase.VOTING_OPEN, year=2030)
    # One long summary in the first row; short ones, or none, elsewhere.
    for n, nomination in enumerate(voting_round.nominations.all()):
        nomination.summary = nomination.summary * 2 if n == 0 else "" if n == 4 else "Kort."
        nomination.save()
    page = open_page(width=1280, height=900)
    page.goto(live_server.url + voting_round.get_absolute_url())

    rows = page.evaluate(CARD_ROWS)

    assert [len(row["heights"]) for row in rows] == [3, 3]
    assert len({height for row in rows for height in row["heights"]}) == 1, rows
    for row in rows:
        assert len(set(row["figures"])) == 1, row
        assert len(set(row["buttons"])) == 1, row
