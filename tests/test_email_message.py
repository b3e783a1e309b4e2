"""The confirmation e-mail as a mail server and a mail program see it: sent by
the prize in the voter's language from the configured address, marked as sent
by a machine, with a Message-ID on the site's own domain, plain text wrapped at
78 characters with the link whole on a line of its own, and not taken for spam."""

import email
import re
import shutil
from email import policy

import pytest

from tests.factories import make_municipality, make_nomination, make_round, request_url, spam_scores

pytestmark = pytest.mark.django_db

ADDRESS = "kari.nordmann@example.no"
PUBLIC = "https://stem.imdi.no"
PRIZE_NAMES = {
    "nb": "Bosettings- og integreringsprisen",
    "nn": "Busetjings- og integreringsprisen",
    "en": "The Settlement and Integration Prize",
}
LANGUAGES = list(PRIZE_NAMES)


@pytest.fixture
def nomination(settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.DEFAULT_FROM_EMAIL = "Bosettings- og integreringsprisen <ikke-svar@imdi.no>"
    prize_round = make_round(year=2030)
    # A long name and title, so that the sentences naming them need wrapping.
    prize_round.title = (
        "Bosettings- og integreringsprisen 2030 for kommuner som tar imot flyktninger"
    )
    prize_round.save()
    municipality = make_municipality(name="Nord-Aurdal og Sør-Aurdal interkommunale samarbeid")
    return make_nomination(prize_round=prize_round, municipality=municipality)


def request_in(client, mailoutbox, language: str, nomination) -> email.message.EmailMessage:
    """Ask for a vote on the public page in ``language``; the e-mail as bytes
    on the wire, parsed back as a mail program would."""
    response = client.post(
        request_url(nomination=nomination, language=language), {"email": ADDRESS}
    )
    assert response.status_code == 302
    (sent,) = mailoutbox
    return email.message_from_bytes(sent.message().as_bytes(), policy=policy.default)


def link_in(body: str) -> str:
    (link,) = re.findall(rf"{re.escape(PUBLIC)}/\S+", body)
    return link


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sender_is_the_prize_named_in_the_voters_language(
    client, mailoutbox, nomination, language
):
    message = request_in(client, mailoutbox, language, nomination)

    (sender,) = message["From"].addresses
    assert sender.display_name == PRIZE_NAMES[language]
    assert sender.addr_spec == "ikke-svar@imdi.no"


def test_the_sender_address_is_the_configured_one_with_the_prize_as_its_name(
    client, mailoutbox, nomination, settings
):
    settings.DEFAULT_FROM_EMAIL = "IMDi avstemning <stemme@imdi.example>"

    message = request_in(client, mailoutbox, "en", nomination)

    (sender,) = message["From"].addresses
    assert sender.display_name == "The Settlement and Integration Prize"
    assert sender.addr_spec == "stemme@imdi.example"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mail_says_a_machine_sent_it_so_auto_replies_stay_away(
    client, mailoutbox, nomination, language
):
    message = request_in(client, mailoutbox, language, nomination)

    assert message["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_message_id_is_on_the_domain_of_the_public_address(
    client, mailoutbox, nomination, language
):
    message = request_in(client, mailoutbox, language, nomination)

    assert re.fullmatch(r"<[^@<>\s]+@stem\.imdi\.no>", message["Message-ID"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_is_wrapped_at_78_and_the_link_is_whole_on_its_own_line(
    client, mailoutbox, nomination, language
):
    message = request_in(client, mailoutbox, language, nomination)

    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    link = link_in(body)
    lines = body.splitlines()
    assert link in lines  # alone on its line
    assert len(link) > 78  # so the rule below is not met by chance
    assert [line for line in lines if len(line) > 78] == [link]
    # Wrapping only moved line breaks: the sentence naming the nominee is all there.
    assert nomination.municipality.name in " ".join(body.split())
    assert nomination.round.title in " ".join(body.split())
    # The link in the mail is the one that works.
    confirm_page = client.get(link.removeprefix(PUBLIC))
    assert confirm_page.status_code == 200


@pytest.mark.skipif(
    shutil.which("spamassassin") is None,
    reason="spamassassin is not installed (Debian package spamassassin): "
    "the e-mail's spam score is not checked",
)
def test_spamassassin_scores_the_mail_below_1_in_every_language(
    client, mailoutbox, nomination, tmp_path
):
    sent = []
    for language in LANGUAGES:
        mailoutbox.clear()
        request_in(client, mailoutbox, language, nomination)
        sent.append(mailoutbox[0].message().as_bytes())

    scores = spam_scores(messages=sent, folder=tmp_path)

    assert all(score < 1 for score, _ in scores), dict(zip(LANGUAGES, scores, strict=True))
