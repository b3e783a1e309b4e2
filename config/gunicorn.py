"""gunicorn's settings: ``gunicorn -c config/gunicorn.py config.wsgi`` (the
Dockerfile and docker-compose run it so; the command line adds bind and workers).

The access log is on stdout with time, method, path, status, bytes and
milliseconds, and nothing else. Not the query string (a staff search for a
receipt code is ``?q=<receipt>``), not the Referer (the page a visitor came
from may be a confirmation link), not the client address (the privacy page
promises that IP addresses are only counted, for at most an hour) and not the
User-Agent. The path of a confirmation link is written with its token
redacted, "/nb/stem/bekreft/[redacted]/", by the logger class, which filters
the error log the same way (config.logs). With LOG_FORMAT=json (production's
default) the logger class writes both logs as JSON lines: an access line's
message is the line this format makes, with its status, method, path,
milliseconds and request id as fields of their own."""

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logger_class = "config.logs.GunicornLogger"
