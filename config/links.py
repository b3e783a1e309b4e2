"""Absolute links on the site's public address, ``settings.PUBLIC_BASE_URL``.

A link that leaves the request (the confirmation link in an e-mail, the page
address a shared card or a search engine keeps) must not be built from the
request: its Host header is the client's choice, and Django checks only the
host name against ALLOWED_HOSTS, never the port. A vote request sent with
``Host: stem.imdi.no:9999`` would otherwise e-mail a link to port 9999."""

from urllib.parse import urljoin

from django.conf import settings


def public_url(path: str) -> str:
    """``path`` (e.g. ``/nb/stem/bekreft/…/``) on the public address."""
    return urljoin(settings.PUBLIC_BASE_URL, path)
