"""The confirmation e-mail as a real SMTP server receives it from the
production profile under gunicorn (tests/production.py): in nynorsk, from the
nynorsk prize name, marked as sent by a machine, with its Message-ID on the
public address's host, wrapped at 78 with the link whole, and (when
SpamAssassin is installed) not taken for spam."""

import re
import shutil

import pytest

from tests.factories import spam_scores
from tests.production import PUBLIC_BASE_URL

LINK = re.compile(r"\S+/stem/bekreft/\S+/")


@pytest.mark.django_db
def test_the_mail_a_real_smtp_server_gets_in_nynorsk_is_named_marked_and_wrapped(
    production, tmp_path
):
    address = "mail.format.nynorsk@example.no"
    path = "/nn" + production.nomination_paths[2].removeprefix("/nb")

    requested = production.post_form(path + "stem/", {"email": address}, form_path=path)

    assert requested.status == 302
    [message] = production.inbox.to(address)
    (sender,) = message["From"].addresses
    assert sender.display_name == "Busetjings- og integreringsprisen"
    assert sender.addr_spec == "ikke-svar@imdi.no"
    assert message["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<[^@<>\s]+@stem\.example\.no>", message["Message-ID"])
    body = message.get_content()
    [link] = LINK.findall(body)
    assert link.startswith(PUBLIC_BASE_URL + "/nn/stem/bekreft/")
    assert [line for line in body.splitlines() if len(line) > 78] == [link]
    assert "Opne lenkja under" in body
    if shutil.which("spamassassin"):
        del message["X-Envelope-To"]
        [(score, rules)] = spam_scores(messages=[message.as_bytes()], folder=tmp_path)
        assert score < 1, rules
