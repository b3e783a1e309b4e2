"""What the logs may say. A confirmation link's token casts a vote for
whoever holds it, so no log line carries one; nor a receipt code, nor the
code and state of an ID-porten login in its callback's query string.

Django writes the path of every 4xx and 5xx answer ("Forbidden (CSRF cookie
not set.): /nb/stem/bekreft/<token>/", "Too Many Requests: …"), runserver and
gunicorn write the request line, and gunicorn's error log names the URI of a
request its worker failed on (a crash, or the abort at a timeout). Rather
than trust every one of those to leave the path out, ``RedactSecrets`` sits on
every handler: settings.LOGGING's for Django and the app, ``GunicornLogger``'s
for gunicorn's error and access logs (config/gunicorn.py). It rewrites the
finished message, whatever argument the path came in, and the traceback.

Nothing here renders ``record.request`` (Django's AdminEmailHandler would; the
``django`` logger is given no handler of its own in settings.LOGGING).

In production the lines are JSON, one object a line (``LOG_FORMAT``), so a log
system can count errors by level, logger and status: ``JsonFormatter`` for
Django's and the app's records and for gunicorn's error and access logs. Every
line written while a request is handled carries its request id
(``request_id``, also the response's X-Request-ID header), and Django's request
log and gunicorn's access log carry the status, method and path."""

import contextvars
import logging
import logging.config
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from gunicorn import glogging
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonEncoder
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

REDACTED = "[redacted]"

SECRETS = re.compile(
    # The token of a confirmation link, "<language>/stem/bekreft/<token>/"
    # (website/urls.py), also percent-encoded as in the language switcher's
    # "?neste=/nb/stem/bekreft/<token>/".
    r"(?P<confirm>(?i:stem(?:/|%2F)bekreft(?:/|%2F)))[^/\s?#&\"'<>]+"
    # A Fernet token anywhere (a Referer, an error message): urlsafe base64 of
    # the version byte 0x80 and a timestamp, so it starts "gAAAAA".
    r"|gAAAAA[A-Za-z0-9_=-]{20,}"
    # A receipt code, "K3V9T-J103T" (voting.services.votes.new_receipt): it
    # turns up in PostgreSQL's "Key (receipt)=(…) already exists".
    r"|(?<![0-9A-Za-z-])[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}(?![0-9A-Za-z-])"
    # ID-porten's answer in a query string, "/idporten/callback/?code=…&state=…"
    # (runserver's request line, gunicorn's error log): the code and state of a
    # login, and the tokens of the logout's hint, also percent-encoded.
    r"|(?P<parameter>(?:(?<=[?&;\s])|(?<=%3F)|(?<=%26)|(?<=%3f)|^)"
    r"(?i:code|state|id_token_hint|id_token|access_token)(?:=|%3D|%3d))[^&\s#\"'<>]+"
)


def redact(text: str) -> str:
    return SECRETS.sub(
        lambda found: (found["confirm"] or found["parameter"] or "") + REDACTED, text
    )


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


def log_format() -> str:
    """``LOG_FORMAT``: "json" (the production default) or "text" (the local
    one). Read from the environment here, not from Django's settings, because
    gunicorn sets up its logger before any worker loads them."""
    production = os.environ.get("DJANGO_ENV", "local") == "production"
    # Empty is unset, as for every setting (docker-compose passes ${LOG_FORMAT:-}).
    return os.environ.get("LOG_FORMAT") or ("json" if production else "text")


def configure(config: dict) -> None:
    """settings.LOGGING_CONFIG: settings.LOGGING, and Python's warnings (a
    deprecation, whitenoise's missing folder) as records of the "py.warnings"
    logger, so that they too are written by the handlers, as JSON lines in
    production, instead of raw on stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


# The request being handled in this thread (or task), for every log record made
# meanwhile; set by the ``request_id`` middleware.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# What an X-Request-ID from a trusted proxy may look like (a UUID, nginx's
# $request_id, a trace id); anything else gets an id of our own.
INCOMING_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+-]{1,128}")


def request_id(get_response: Callable) -> Callable:
    """Middleware, outermost: give the request an id, in every log line made
    while it is handled and in the answer's X-Request-ID header. A proxy's
    X-Request-ID is taken only behind trusted proxies (TRUSTED_PROXY_COUNT >
    0), so a client cannot pick the id its requests are logged under."""

    def middleware(request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = settings.TRUSTED_PROXY_COUNT > 0 and INCOMING_REQUEST_ID.fullmatch(incoming)
        request.request_id = incoming if trusted else uuid.uuid4().hex
        token = REQUEST_ID.set(request.request_id)
        try:
            response = get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response["X-Request-ID"] = request.request_id
        return response

    return middleware


class RequestFields(logging.Filter):
    """Handler filter, before ``RedactSecrets``: the request id on every record
    made while a request is handled, and on Django's request log (which names
    the request, and is written after the middleware has finished) also its
    status, method and path, the path redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        current = getattr(request, "request_id", None) or REQUEST_ID.get()
        if current and not getattr(record, "request_id", None):
            record.request_id = current
        # runserver's records name its socket as "request": no method there.
        method, path = getattr(request, "method", None), getattr(request, "path", None)
        if isinstance(method, str) and isinstance(path, str):
            record.method, record.path = method, redact(path)
        if isinstance(status := getattr(record, "status_code", None), int):
            record.status = status
        return True


class RedactingEncoder(JsonEncoder):
    """Whatever object a record carries is written as text, redacted too."""

    def default(self, o):
        value = super().default(o)
        return redact(value) if isinstance(value, str) else value


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: timestamp (UTC), level, logger, process id
    (which gunicorn worker), message, the request id and request fields
    ``RequestFields`` or ``AccessFields`` added, and the traceback
    (``exc_info``). Every text in it is redacted, the traceback too (this
    formatter formats it anew, not from the ``exc_text`` that ``RedactSecrets``
    redacted)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{process}{message}",
            style="{",
            rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
            # Not the request objects (their text is the query string too),
            # nor what is written under another name.
            reserved_attrs=[*RESERVED_ATTRS, "taskName", "request", "status_code", "server_time"],
            json_encoder=RedactingEncoder,
            **kwargs,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict) -> dict:
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in log_data.items()
        }


class AccessFields(logging.Filter):
    """Handler filter of gunicorn's access log, before ``RedactSecrets``: the
    access line's status, method, path (redacted), milliseconds and request id
    (the answer's X-Request-ID) as fields of the JSON line. The message stays
    the line config/gunicorn.py's ``access_log_format`` makes."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, dict):
            record.status = int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"]
            record.method = atoms["m"]
            record.path = redact(str(atoms["U"]))
            record.duration_ms = atoms["M"]
            if (answered := atoms["{x-request-id}o"]) != "-":
                record.request_id = answered
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger (``logger_class`` in config/gunicorn.py) with
    ``RedactSecrets`` on the handlers of its error and access logs, and with
    ``LOG_FORMAT=json`` both written as JSON lines."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        json_lines = log_format() == "json"
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if json_lines:
                    if log is self.access_log:
                        handler.addFilter(AccessFields())
                    handler.setFormatter(JsonFormatter())
                handler.addFilter(RedactSecrets())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # gunicorn's own error answers (a worker that failed) have no
        # PATH_INFO: the path from the request line, so the line says which.
        if atoms["U"] is None:
            atoms["U"] = getattr(req, "path", None) or "-"
        return atoms
