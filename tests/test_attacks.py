"""The production profile under gunicorn, as an attacker meets it
(tests/production.py): real PostgreSQL, Redis and SMTP. Each attack module
(tests/test_attacks_*.py) proves one finding refused; this one proves the
stack itself votes end to end, so a refusal there is the app's and not a
broken stack's."""

import re

LINK = re.compile(r"https?://\S+/stem/bekreft/\S+/")


def test_a_vote_on_the_production_profile_is_mailed_over_smtp_and_counted_once(production):
    path = production.nomination_paths[0]
    production.inbox.clear()

    requested = production.post_form(
        path + "stem/", {"email": "stack.check@stack-check.example"}, form_path=path
    )
    [message] = production.inbox.messages
    link = LINK.search(message.get_content()).group(0)
    link_path = "/" + link.split("/", 3)[3]
    confirmed = production.post_form(link_path, {})

    assert requested.status == 302
    assert message["X-Envelope-To"] == "stack.check@stack-check.example"
    assert confirmed.status == 200
    assert "Stemmen din er registrert" in confirmed.body
    assert production.sql(
        "SELECT count(*) FROM voting_vote WHERE round_id = %s AND email_domain = %s",
        (production.round_id, "stack-check.example"),
    ) == [(1,)]
