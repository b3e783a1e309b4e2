"""The whole vote with the keyboard only: from the front page to a receipt the
receipt check says was counted. Tab, Enter and Space; no mouse, and no typed
address except the start and the confirmation link from the e-mail. Every
element Tab reaches must show its focus. Then the same with JavaScript off."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from nominees.models import Phase
from voting import services
from voting.models import Vote

from .helpers import round_in_phase, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def text_is(text):
    return lambda state: state["text"] == text


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_keyboard_only_voter_votes_and_finds_the_vote_counted(
    live_server, open_page, mailoutbox, confirm_path, javascript
):
    prize_round = round_in_phase(Phase.VOTING_OPEN)
    page = open_page(javascript=javascript)
    page.goto(live_server.url + "/")

    # The first Tab reaches the skip link, shown on screen; Enter moves focus to main.
    skip = tab_to(page, lambda state: True, limit=1)
    assert skip["text"] == "Hopp til hovedinnholdet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, lambda state: True, limit=1)
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    # The nominee list's vote button for Randaberg leads to its form.
    tab_to(page, text_is("Stem på Randaberg"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/2030/randaberg-\d+/#stem$"))
    assert page.locator("h1").inner_text() == "Randaberg"

    email = tab_to(page, lambda state: state["tag"] == "input" and state["type"] == "email")
    assert email["text"] == ""
    page.keyboard.type("Kari.Nordmann@example.no")
    tab_to(page, text_is("Stem på Randaberg"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert page.locator("h1").inner_text() == "Sjekk e-posten din"
    assert len(mail.outbox) == 1
    # Sent to the mailbox as delivered: the canonical address (voting.identity).
    assert mail.outbox[0].to == ["kari.nordmann@example.no"]
    assert not Vote.objects.exists()

    # The link from the e-mail opens the ballot; only its button votes.
    page.goto(live_server.url + confirm_path())
    assert page.locator("h1").inner_text() == "Bekreft stemmen din"
    assert not Vote.objects.exists()
    tab_to(page, text_is("Bekreft stemmen på Randaberg"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Stemmen din er registrert"
    receipt = page.locator("main .receipt").inner_text()
    vote = Vote.objects.get()
    assert vote.receipt == receipt
    assert vote.nomination.municipality.name == "Randaberg"
    assert vote.status == Vote.Status.VALID

    # Voting closes, staff count, the finalists are announced.
    now = timezone.now()
    prize_round.voting_closes_at = now
    prize_round.finalists_announced_at = now + timedelta(milliseconds=1)
    prize_round.save()
    tally = services.count_votes(prize_round=prize_round)
    assert tally.valid_votes == 1

    # From the thanks page to the receipt check, and the receipt is counted.
    tab_to(page, text_is("Slik sjekker du kvitteringen etter opptellingen"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Sjekk kvitteringen din"
    tab_to(page, lambda state: state["tag"] == "input")
    page.keyboard.type(receipt.lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Stemmen din er telt med"
    assert receipt in page.locator("main").inner_text()
    assert tally.digest in page.locator("main").inner_text()
