import string

import pytest
from django import forms
from django.core.mail.message import sanitize_address
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import identity
from voting.forms import VoteRequestForm


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Kari@Example.NO", "kari@example.no"),
        ("  kari@example.no\t", "kari@example.no"),
        ("kari+prisen@example.no", "kari@example.no"),
        ("kari+a+b@example.no", "kari@example.no"),
        ("kari.nordmann@example.no", "kari.nordmann@example.no"),
        ("Kari.Nordmann@gmail.com", "karinordmann@gmail.com"),
        ("k.a.r.i+x@googlemail.com", "kari@gmail.com"),
    ],
)
def test_canonical_address_folds_aliases_of_one_mailbox(address, canonical):
    assert identity.canonical_address(address) == canonical


# Seven spellings of one mailbox: Django's mail encodes the domain (IDNA, with
# NFKC) and drops the quotes, so each of them reaches multi.person@example.no.
ONE_MAILBOX = [
    "multi.person@example.no",
    "multi.person@\uff45xample.no",
    "multi.person@e\uff58ample.no",
    "multi.person@ex\uff41mple.no",
    "multi.person@\uff45\uff58\uff41mple.no",
    '"multi.person"@example.no',
    '"multi.person"@\uff45xample.no',
]


@pytest.mark.parametrize("address", ONE_MAILBOX)
def test_the_seven_spellings_of_one_mailbox_are_one_voter(address):
    assert identity.canonical_address(address) == "multi.person@example.no"
    assert identity.voter_key(address) == identity.voter_key("multi.person@example.no")
    assert identity.email_domain(address) == "example.no"


@pytest.mark.parametrize(
    "address",
    [
        "same.person@bø.no",
        "same.person@BØ.NO",
        "same.person@xn--b-5ga.no",
        "Same.Person@XN--B-5GA.no",
    ],
)
def test_a_norwegian_domain_and_its_ascii_form_are_one_voter(address):
    assert identity.canonical_address(address) == "same.person@xn--b-5ga.no"
    assert identity.voter_key(address) == identity.voter_key("same.person@bø.no")
    assert identity.email_domain(address) == "xn--b-5ga.no"


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        # A trailing dot names the same domain, in any of the dots IDNA knows.
        ("kari@example.no.", "kari@example.no"),
        ("kari@example.no\uff0e", "kari@example.no"),
        ("kari@example\u3002no", "kari@example.no"),
        ("kari@example\uff61no", "kari@example.no"),
        # Characters IDNA maps to nothing: a soft hyphen, a zero-width space.
        ("kari@exam\u00adple.no", "kari@example.no"),
        ("kari@exa\u200bmple.no", "kari@example.no"),
        # Compatibility forms, upper case included.
        ("kari@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.\uff2e\uff2f", "kari@example.no"),
        # Quoting and quoted pairs in the local part.
        ('"kari"@example.no', "kari@example.no"),
        ('"k\\a\\ri"@example.no', "kari@example.no"),
        ('"Kari+pris"@Example.no', "kari@example.no"),
        # The Gmail rules hold on the domain as delivered.
        ("Kari.Nordmann@\uff47mail.com", "karinordmann@gmail.com"),
        ('"k.a.r.i+x"@\uff47\uff4f\uff4f\uff47lemail.com', "kari@gmail.com"),
        # As Django's mail encodes it (IDNA 2003): faß.de is delivered to fass.de.
        ("kari@faß.de", "kari@fass.de"),
        # A local part that needs its quotes keeps them; Django's mail sends
        # two dots in a row without them.
        ('"kari(x)"@example.no', '"kari(x)"@example.no'),
        ('"kari..nordmann"@example.no', "kari..nordmann@example.no"),
        # A tag with nothing before it is the whole local part, not an empty one.
        ("+pris@example.no", "+pris@example.no"),
    ],
)
def test_canonical_address_is_the_mailbox_as_the_mail_is_delivered(address, canonical):
    assert identity.canonical_address(address) == canonical


@pytest.mark.parametrize(
    "address",
    [
        "kari@example.no",
        '"kari(x)"@example.no',
        "same.person@xn--b-5ga.no",
        "karinordmann@gmail.com",
    ],
)
def test_django_delivers_the_canonical_address_unchanged(address):
    assert identity.canonical_address(address) == address
    assert sanitize_address(address, "utf-8") == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("a" * 65 + "@example.no", "local_part_too_long"),
        ('"' + "a" * 65 + '"@example.no', "local_part_too_long"),
        ("a" * 60 + "+prisen@example.no", "local_part_too_long"),
        # Each label of a domain is at most 63 characters once encoded.
        ("kari@" + "ø" * 63 + ".no", "domain"),
        ("kari@\u00ad.no", "domain"),
        ("kari@exam\ufffdple.no", "domain"),
        ("kari@[192.0.2.1]", "domain"),
        ("kari@" + ".".join(["ø" * 20] * 10) + ".no", "max_length"),
        ('""@example.no', "invalid"),
        # Letters Django's validator lets through (IGNORECASE): its mail would
        # send them as an encoded word, not to this mailbox.
        ("multi.per\u017fon@example.no", "invalid"),
        ("\u212aari@example.no", "invalid"),
        ("kari", "invalid"),
    ],
)
def test_an_address_that_cannot_be_delivered_as_typed_is_undeliverable(address, reason):
    with pytest.raises(identity.Undeliverable) as refused:
        identity.canonical_address(address)

    assert refused.value.reason == reason


def test_a_local_part_of_64_characters_is_delivered():
    assert identity.canonical_address("a" * 64 + "@example.no") == "a" * 64 + "@example.no"
    assert identity.canonical_address('"' + "a" * 64 + '"@example.no') == "a" * 64 + "@example.no"


@pytest.mark.parametrize(
    ("address", "accepted"),
    [
        ('"multi.person"@example.no', True),
        ("multi.person@\uff45xample.no", True),
        ("same.person@bø.no", True),
        ("kari@example.no\uff0e", True),
        ("multi.per\u017fon@example.no", True),
        ("kari@" + "ø" * 63 + ".no", True),
        ("kari@example.no.", False),
        ('"kari nordmann"@example.no', False),
        ("kåri@example.no", False),
    ],
)
def test_djangos_email_field_lets_through_what_the_canonical_form_must_handle(address, accepted):
    # What reaches identity.canonical_address from the form: Django's own
    # validator accepts quoted local parts and Unicode domains (also ones that do
    # not encode), and refuses a plain trailing dot and non-ASCII local parts
    # except for four letters that match a-z when case is ignored.
    field = forms.EmailField()
    try:
        field.clean(address)
    except forms.ValidationError:
        assert not accepted
    else:
        assert accepted


def test_voter_key_is_a_keyed_hash_of_the_canonical_address(settings):
    key = identity.voter_key("Kari+x@Example.no")

    assert key == identity.voter_key("kari@example.no")
    assert len(key) == 64
    assert "kari" not in key
    settings.VOTE_HASH_SECRET = "another-secret"
    assert identity.voter_key("kari@example.no") != key


def test_the_disposable_check_sees_the_domain_as_delivered():
    assert identity.email_domain("throwaway@\uff4dailinator.com") == "mailinator.com"
    assert identity.is_disposable_domain(identity.email_domain("throwaway@\uff4dailinator.com"))
    assert identity.is_disposable_domain("\uff4dailinator.com")
    assert identity.is_disposable_domain("MAILINATOR.com.")


def test_network_hash_groups_ipv4_by_24_and_ipv6_by_48():
    assert identity.network_hash("192.0.2.1") == identity.network_hash("192.0.2.254")
    assert identity.network_hash("192.0.2.1") != identity.network_hash("192.0.3.1")
    assert identity.network_hash("2001:db8:1::1") == identity.network_hash("2001:db8:1:ffff::9")
    assert identity.network_hash("2001:db8:1::1") != identity.network_hash("2001:db8:2::1")


# Property-based: spellings a mail server delivers to one inbox are one voter.

SPELLINGS = settings(max_examples=150, deadline=None)
LOCAL_CHARS = string.ascii_lowercase + string.digits + "-_"
LABEL_CHARS = string.ascii_lowercase + string.digits + "æøåéü"
# Full stops IDNA reads as the dot between labels.
DOTS = [".", "\uff0e", "\u3002", "\uff61"]
# Characters nameprep maps to nothing (RFC 3454, table B.1).
INVISIBLE = ["\u00ad", "\u200b", "\u2060", "\ufeff"]
GMAIL = ["gmail.com", "googlemail.com"]


@st.composite
def mailboxes(draw) -> tuple[str, str]:
    """A plain mailbox: its local part and its domain (lower case, U-labels)."""
    words = draw(st.lists(st.text(LOCAL_CHARS, min_size=1, max_size=8), min_size=1, max_size=3))
    labels = draw(st.lists(st.text(LABEL_CHARS, min_size=1, max_size=10), min_size=1, max_size=3))
    tld = draw(st.sampled_from(["no", "com", "org", "se"]))
    domain = draw(st.sampled_from([*GMAIL, ".".join([*labels, tld])]))
    return ".".join(words), domain


def fullwidth(char: str) -> str:
    """The compatibility form NFKC maps back to ``char`` (ASCII only)."""
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


@st.composite
def spell_label(draw, label: str) -> str:
    if not label.isascii() and draw(st.booleans()):
        # The A-label: what the U-label encodes to, written out.
        label = "xn--" + label.encode("punycode").decode()
    chars = []
    for char in label:
        form = draw(st.sampled_from(["as is", "upper", "fullwidth", "fullwidth upper"]))
        if form == "upper":
            char = char.upper()
        elif form == "fullwidth":
            char = fullwidth(char)
        elif form == "fullwidth upper":
            char = fullwidth(char.upper())
        chars.append(char)
        if draw(st.integers(0, 9)) == 0:
            chars.append(draw(st.sampled_from(INVISIBLE)))
    return "".join(chars)


@st.composite
def spell_domain(draw, domain: str, *, ascii_last_dot: bool) -> str:
    labels = [draw(spell_label(label)) for label in domain.split(".")]
    spelled = labels[0]
    for position, label in enumerate(labels[1:], start=1):
        # Django's validator wants an ASCII dot before the top-level domain.
        last = position == len(labels) - 1
        dot = "." if last and ascii_last_dot else draw(st.sampled_from(DOTS))
        spelled += dot + label
    if draw(st.booleans()):
        spelled += draw(st.sampled_from(DOTS[1:] if ascii_last_dot else DOTS))
    return spelled


@st.composite
def spell_local(draw, local: str, domain: str) -> str:
    if domain in GMAIL:
        # Gmail ignores the dots: put them anywhere between the characters.
        plain = local.replace(".", "")
        local = plain[0] + "".join(
            ("." if draw(st.booleans()) else "") + char for char in plain[1:]
        )
    local = "".join(char.upper() if draw(st.booleans()) else char for char in local)
    if draw(st.booleans()):
        local += "+" + draw(st.text(LOCAL_CHARS + "+", max_size=8))
    if draw(st.booleans()):
        # Quoted, each character perhaps written as a quoted pair.
        local = '"' + "".join(("\\" if draw(st.booleans()) else "") + c for c in local) + '"'
    return local


@st.composite
def spellings(draw, *, as_the_form_takes_them: bool = False) -> tuple[str, str]:
    """A mailbox and another spelling of it that mail delivers to the same inbox."""
    local, domain = draw(mailboxes())
    spelled_domain = draw(spell_domain(domain, ascii_last_dot=as_the_form_takes_them))
    spelled = f"{draw(spell_local(local, domain))}@{spelled_domain}"
    return f"{local}@{domain}", spelled


@SPELLINGS
@given(spellings())
def test_spellings_a_mail_server_delivers_to_one_inbox_are_one_voter(mailbox_and_spelling):
    mailbox, spelling = mailbox_and_spelling

    assert identity.canonical_address(spelling) == identity.canonical_address(mailbox)
    assert identity.voter_key(spelling) == identity.voter_key(mailbox)
    assert identity.email_domain(spelling) == identity.email_domain(mailbox)


@SPELLINGS
@given(spellings(as_the_form_takes_them=True))
def test_the_form_sends_every_spelling_of_one_inbox_to_one_address(mailbox_and_spelling):
    mailbox, spelling = mailbox_and_spelling
    canonical = identity.canonical_address(mailbox)

    form = VoteRequestForm({"email": spelling})

    if identity.is_disposable_domain(identity.email_domain(mailbox)):
        assert not form.is_valid()
        return
    assert form.is_valid(), (spelling, form.errors)
    assert form.cleaned_data["email"] == canonical
    # What Django's mail puts in RCPT TO is that address, unchanged.
    assert sanitize_address(canonical, "utf-8") == canonical


@SPELLINGS
@given(spellings())
def test_the_canonical_address_is_its_own_canonical_address(mailbox_and_spelling):
    canonical = identity.canonical_address(mailbox_and_spelling[1])

    assert identity.canonical_address(canonical) == canonical
