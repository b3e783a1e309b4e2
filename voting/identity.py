"""Who a voter is, without ever keeping the address: keyed hashes only."""

import hashlib
import hmac
import ipaddress
import logging

from disposable_email_domains import blocklist as disposable_blocklist
from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# Providers where dots in the local part do not matter; googlemail.com is the
# same mailbox as gmail.com.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_address(address: str) -> str:
    """One string per mailbox: trimmed, lower-cased, ``+tag`` dropped, and for
    Gmail the dots in the local part dropped."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_domain(address: str) -> str:
    return canonical_address(address).rpartition("@")[2]


def _keyed_hash(purpose: str, value: str) -> str:
    key = settings.VOTE_HASH_SECRET.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def voter_key(address: str) -> str:
    """HMAC-SHA256 of the canonical address under VOTE_HASH_SECRET."""
    return _keyed_hash("voter", canonical_address(address))


def network_hash(ip: str) -> str:
    """Keyed hash of the client's network (/24 for IPv4, /48 for IPv6), so staff
    can see clusters of votes without ever seeing an IP address."""
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return _keyed_hash("network", str(network))


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as the outermost trusted proxy saw it.

    With ``TRUSTED_PROXY_COUNT`` = 0 that is REMOTE_ADDR, and X-Forwarded-For is
    ignored: anyone can send it. Behind N trusted proxies, each appends the
    address it received the request from, so the N-th entry from the right is
    the one the outermost trusted proxy wrote; everything left of it came from
    the client. A header with fewer entries, or an entry that is not an IP
    address, means the proxies are not set up as configured, and REMOTE_ADDR is
    used. django-ratelimit's ``ip`` key uses this function (RATELIMIT_IP_META_KEY).
    """
    remote_addr = request.META["REMOTE_ADDR"]
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote_addr
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < hops:
        return remote_addr
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        logger.warning("X-Forwarded-For entry from a trusted proxy is not an IP address")
        return remote_addr


def is_disposable_domain(domain: str) -> bool:
    """Whether ``domain``, or a domain it is a subdomain of, is on the
    disposable-email-domains blocklist (a maintained list from PyPI)."""
    labels = domain.lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in disposable_blocklist for i in range(len(labels) - 1))
