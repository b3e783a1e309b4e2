"""Who a voter is, without ever keeping the address: keyed hashes only."""

import hashlib
import hmac
import ipaddress

from django.conf import settings

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
