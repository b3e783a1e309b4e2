"""Attacks on the links the app hands out, on the production profile under
gunicorn (tests/production.py): an e-mailed link must not follow the Host
header, and no log line may carry a usable confirmation link."""

import re

import pytest

from tests.production import PUBLIC_BASE_URL, nomination_paths

LINK = re.compile(r"\S+/stem/bekreft/\S+/")


def mail_to(production, address: str) -> list:
    return [m for m in production.inbox.messages if m["X-Envelope-To"] == address]


def votes(production) -> int:
    return production.sql(
        "SELECT count(*) FROM voting_vote WHERE round_id = %s", (production.round_id,)
    )[0][0]


@pytest.mark.django_db
def test_a_vote_request_naming_another_port_in_its_host_still_mails_the_public_address(
    production,
):
    # DJANGO_ALLOWED_HOSTS is 127.0.0.1 on the stack, and Django checks the
    # host name only: "127.0.0.1:9999" is let through.
    path = nomination_paths(production)[1]
    address = "links.host.attack@example.no"
    before = votes(production)

    requested = production.post_form(
        path + "stem/", {"email": address}, form_path=path, Host="127.0.0.1:9999"
    )

    assert requested.status == 302
    [message] = mail_to(production, address)
    [link] = LINK.findall(message.get_content())
    assert link.startswith(PUBLIC_BASE_URL + "/nb/stem/bekreft/")
    assert "9999" not in message.get_content()
    assert votes(production) == before
    confirmed = production.post_form(link.removeprefix(PUBLIC_BASE_URL), {})
    assert confirmed.status == 200
    assert votes(production) == before + 1
