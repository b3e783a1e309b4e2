"""A WSGI application that outlasts any worker timeout, for the test that
gunicorn's error log, as config/gunicorn.py sets it up, names the request of
a timed-out worker without its confirmation token (tests/test_logs.py)."""

import time


def application(environ, start_response):
    time.sleep(60)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"too late"]
