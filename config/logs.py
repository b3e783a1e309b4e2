"""What the logs may say. A confirmation link's token casts a vote for
whoever holds it, so no log line carries one; nor a receipt code.

Django writes the path of every 4xx and 5xx answer ("Forbidden (CSRF cookie
not set.): /nb/stem/bekreft/<token>/", "Too Many Requests: …"), runserver and
gunicorn write the request line, and gunicorn's error log names the URI of a
request its worker failed on (a crash, or the abort at a timeout). Rather
than trust every one of those to leave the path out, ``RedactSecrets`` sits on
every handler: settings.LOGGING's for Django and the app, ``GunicornLogger``'s
for gunicorn's error and access logs (config/gunicorn.py). It rewrites the
finished message, whatever argument the path came in, and the traceback.

Nothing here renders ``record.request`` (Django's AdminEmailHandler would; the
``django`` logger is given no handler of its own in settings.LOGGING)."""

import logging
import re

from gunicorn import glogging

REDACTED = "[redacted]"

SECRETS = re.compile(
    # The token of a confirmation link, "<language>/stem/bekreft/<token>/"
    # (voting/urls.py), also percent-encoded as in the language switcher's
    # "?neste=/nb/stem/bekreft/<token>/".
    r"(?P<confirm>(?i:stem(?:/|%2F)bekreft(?:/|%2F)))[^/\s?#&\"'<>]+"
    # A Fernet token anywhere (a Referer, an error message): urlsafe base64 of
    # the version byte 0x80 and a timestamp, so it starts "gAAAAA".
    r"|gAAAAA[A-Za-z0-9_=-]{20,}"
    # A receipt code, "K3V9T-J103T" (voting.services.votes.new_receipt): it
    # turns up in PostgreSQL's "Key (receipt)=(…) already exists".
    r"|(?<![0-9A-Za-z-])[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}(?![0-9A-Za-z-])"
)


def redact(text: str) -> str:
    return SECRETS.sub(lambda found: (found["confirm"] or "") + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Handler filter: the record's message and traceback with every token and
    receipt code replaced by "[redacted]"."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # a broken log call: the handler reports it as usual
        if (redacted := redact(message)) != message:
            # The message as finished: the path may be any of the arguments,
            # or inside one (a request's repr).
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger (``logger_class`` in config/gunicorn.py) with
    ``RedactSecrets`` on the handlers of its error and access logs."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactSecrets())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # gunicorn's own error answers (a worker that failed) have no
        # PATH_INFO: the path from the request line, so the line says which.
        if atoms["U"] is None:
            atoms["U"] = getattr(req, "path", None) or "-"
        return atoms
