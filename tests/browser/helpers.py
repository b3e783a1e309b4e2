"""What the browser tests check on a page: axe-core, visible keyboard focus,
horizontal overflow and tap-target sizes; and the round they check it on."""

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from nominees.models import Phase, PrizeRound
from tests.factories import DAY, OFFSETS, cast_votes, make_nomination, make_round
from voting import services

VENDOR = Path(__file__).parent / "vendor"
AXE_SOURCE = (VENDOR / "axe.min.js").read_text(encoding="utf-8")
AXE_VERSION = re.match(r"/\*! axe v(\S+)", AXE_SOURCE).group(1)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
TAP_TARGET_PX = 44

# The round the tests vote in, with IMDi's 2020 nominees.
VOTES = {"Asker": 6, "Randaberg": 5, "Gjøvik": 4, "Voss": 2, "Sunndal": 1, "Tromsø": 0}
SUMMARY = (
    "Kommunen har bosatt flere flyktninger enn den ble bedt om, og fire av fem er i arbeid "
    "eller utdanning et år etter introduksjonsprogrammet."
)
JUSTIFICATION = (
    "Kommunen samarbeider tett med frivillige lag, næringslivet og skolene.\n\n"
    "Bosettingen er planlagt sammen med boligkontoret, og introduksjonsprogrammet "
    "tilpasses hver deltaker."
)
FIGURES = (
    ("Deltakere i arbeid eller utdanning ett år etter introduksjonsprogrammet", "80 %"),
    ("Landsgjennomsnittet", "58 %"),
)
DECISION = "Juryen la vekt på det lange samarbeidet med frivillige lag og næringslivet."


def url(live_server, name: str, *args, language: str = "nb") -> str:
    """The absolute URL of a named route in the given language (with its URL
    prefix when the project has them)."""
    with translation.override(language):
        return live_server.url + reverse(name, args=args)


def round_in_phase(phase: Phase, *, year: int = 2030) -> PrizeRound:
    """A round now in ``phase``, with six nominees; from voting closed on it has
    votes, from finalists announced a count, and from winner announced the
    jury's decision (Asker). Vote counts are published, as the longest layout."""
    prize_round = make_round(year=year, phase=Phase.VOTING_OPEN)
    prize_round.publish_vote_counts = True
    prize_round.save()
    nominations = {
        name: make_nomination(
            prize_round=prize_round,
            name=name,
            summary=SUMMARY,
            justification=JUSTIFICATION,
            key_figures=FIGURES,
        )
        for name in VOTES
    }
    if phase not in (Phase.DRAFT, Phase.NOMINEES_PUBLISHED, Phase.VOTING_OPEN):
        cast_votes(nominations=nominations, votes=VOTES)
    reschedule(prize_round, phase)
    closed_at = prize_round.voting_closes_at
    if phase in (Phase.FINALISTS_ANNOUNCED, Phase.WINNER_ANNOUNCED):
        services.count_votes(prize_round=prize_round, at=closed_at + timedelta(minutes=1))
    if phase == Phase.WINNER_ANNOUNCED:
        services.record_winner(
            prize_round=prize_round,
            winner=nominations["Asker"],
            justification=DECISION,
            at=closed_at + timedelta(hours=1),
        )
    assert prize_round.phase() == phase
    return prize_round


def reschedule(prize_round: PrizeRound, phase: Phase) -> None:
    """Move the round's schedule so that it is in ``phase`` now."""
    now = timezone.now()
    (
        prize_round.nominees_published_at,
        prize_round.voting_opens_at,
        prize_round.voting_closes_at,
        prize_round.finalists_announced_at,
        prize_round.winner_announced_at,
    ) = (now + days * DAY for days in OFFSETS[phase])
    prize_round.save()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page, one line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the site's strict
        # Content-Security-Policy (no inline scripts) does not block it.
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(
            " ".join(node["target"]) + ": " + node["failureSummary"].replace("\n", " ")
            for node in violation["nodes"][:5]
        )
        for violation in result["violations"]
    ]


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where} ({page.url}):\n" + "\n".join(violations)


FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
    href: el.getAttribute('href'),
    type: el.getAttribute('type'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < innerWidth,
  };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUS_STATE)


def assert_focus_visible(state: dict) -> None:
    assert state is not None, "Tab left the page"
    assert state["outline"] or state["shadow"], f"focus is not visible on {state}"
    assert state["onScreen"], f"the focused element is off screen: {state}"


def tab_to(page, matches, *, limit: int = 60) -> dict:
    """Press Tab until the focused element ``matches(state)``; every element
    focused on the way must show its focus. Returns the matching state."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        assert_focus_visible(state)
        if matches(state):
            return state
        passed.append(state["text"] or state["tag"])
    raise AssertionError(f"Tab never reached the element; it passed {passed}")


OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

SMALL_TAP_TARGETS = """min => {
  const inSentence = el => {
    // WCAG 2.5.8's inline exception: a link inside a paragraph of running
    // text, whose size the line height sets.
    const block = el.closest('p');
    if (!block || el.tagName !== 'A') return false;
    const own = el.textContent.trim();
    return block.textContent.replace(own, '').trim().length > 0;
  };
  const found = [];
  for (const el of document.querySelectorAll(
      'header a, header button, header input, header select, main a, main button, '
      + 'main input, main select, main textarea, footer a, footer button, footer input')) {
    if (el.closest('[aria-hidden="true"]') || el.type === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (inSentence(el)) continue;
    if (box.width < min || box.height < min) {
      found.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" `
                 + `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return found;
}"""


def assert_fits_and_tappable(page, where: str, *, check_targets: bool) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{where}: the page is {overflow} px wider than the window"
    if check_targets:
        small = page.evaluate(SMALL_TAP_TARGETS, TAP_TARGET_PX)
        assert not small, f"{where}: tap targets under {TAP_TARGET_PX} px: {small}"
