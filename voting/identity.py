"""Who a voter is, without ever keeping the address or the national identity
number: keyed hashes only."""

import hashlib
import hmac
import ipaddress
import logging
import re
from email.errors import HeaderParseError
from email.headerregistry import Address

from disposable_email_domains import blocklist as disposable_blocklist
from django.conf import settings
from django.http import HttpRequest
from django.utils.encoding import punycode

logger = logging.getLogger(__name__)

# Providers where dots in the local part do not matter; googlemail.com is the
# same mailbox as gmail.com.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# What SMTP carries at most (RFC 5321, 4.5.3.1): a longer address is refused
# by the mail servers, not delivered somewhere else.
LOCAL_PART_MAX_LENGTH = 64
ADDRESS_MAX_LENGTH = 254
# A local part that is a dot-atom (RFC 5322, 3.2.3) is delivered as it stands;
# only a quoted one needs the standard library's parser, which takes 40 µs.
DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


class Undeliverable(ValueError):
    """An address mail cannot be delivered to as it was typed. ``reason`` says
    why: "local_part_too_long", "domain" (it does not encode, or is an IP
    address), "max_length" (too long once encoded) or "invalid"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def mail_domain(domain: str) -> str:
    """The domain as the mail carries it: IDNA-encoded the way Django's mail
    code encodes it (nameprep: NFKC, case folded, characters that stand for
    nothing dropped, any of IDNA's full stops a dot), lower case, without the
    trailing dot. So ｅxample.no is example.no, bø.no is xn--b-5ga.no."""
    if domain.startswith("["):
        # An IP address in brackets: one more name for some server's mailboxes.
        raise Undeliverable("domain")
    try:
        encoded = punycode(domain)
    except UnicodeError:
        raise Undeliverable("domain") from None
    encoded = encoded.lower().removesuffix(".")
    if not encoded:
        raise Undeliverable("invalid")
    return encoded


def delivered_mailbox(address: str) -> Address:
    """The address as Django's mail delivers it: the local part unquoted (as
    the standard library reads it, quoted pairs too), the domain as
    ``mail_domain``. Raises Undeliverable for what cannot be sent as typed."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        raise Undeliverable("invalid")
    domain = mail_domain(domain)
    try:
        if DOT_ATOM.fullmatch(local):
            mailbox = Address(username=local, domain=domain)
        else:
            mailbox = Address(addr_spec=f"{local}@{domain}")
    except (ValueError, IndexError, HeaderParseError):
        # Also a local part outside ASCII, which Django would send as an
        # encoded word rather than to this mailbox.
        raise Undeliverable("invalid") from None
    if not mailbox.username or not mailbox.username.isascii():
        raise Undeliverable("invalid")
    if len(mailbox.addr_spec.rpartition("@")[0]) > LOCAL_PART_MAX_LENGTH:
        raise Undeliverable("local_part_too_long")
    if len(mailbox.addr_spec) > ADDRESS_MAX_LENGTH:
        raise Undeliverable("max_length")
    return mailbox


def canonical_address(address: str) -> str:
    """One address per mailbox, the one the confirmation is sent to: the
    mailbox as delivered (``delivered_mailbox``), lower-cased, a ``+tag``
    dropped, and for Gmail the dots in the local part dropped. Quoted again
    only where the local part needs it, so Django sends it unchanged."""
    mailbox = delivered_mailbox(address)
    local, domain = mailbox.username.lower(), mailbox.domain
    # "+pris@…" has no mailbox before its tag: it is the whole local part.
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "") or local
    return Address(username=local, domain=domain).addr_spec


def email_domain(address: str) -> str:
    return canonical_address(address).rpartition("@")[2]


def _keyed_hash(purpose: str, value: str) -> str:
    key = settings.VOTE_HASH_SECRET.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def voter_key(address: str) -> str:
    """HMAC-SHA256 of the canonical address under VOTE_HASH_SECRET."""
    return _keyed_hash("voter", canonical_address(address))


def idporten_voter_key(pid: str) -> str:
    """HMAC-SHA256 under VOTE_HASH_SECRET of the national identity number
    (``pid``) an ID-porten login gives: one person, one key, in every round
    that uses ID-porten. Its purpose differs from the e-mail keys', so no
    address and no number can ever give the same key."""
    return _keyed_hash("idporten", pid)


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
    """Whether ``domain`` as the mail carries it, or a domain it is a subdomain
    of, is on the disposable-email-domains blocklist (a maintained list from
    PyPI)."""
    labels = mail_domain(domain).split(".")
    return any(".".join(labels[i:]) in disposable_blocklist for i in range(len(labels) - 1))
