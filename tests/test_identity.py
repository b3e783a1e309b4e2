import pytest

from voting import identity


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


def test_voter_key_is_a_keyed_hash_of_the_canonical_address(settings):
    key = identity.voter_key("Kari+x@Example.no")

    assert key == identity.voter_key("kari@example.no")
    assert len(key) == 64
    assert "kari" not in key
    settings.VOTE_HASH_SECRET = "another-secret"
    assert identity.voter_key("kari@example.no") != key


def test_network_hash_groups_ipv4_by_24_and_ipv6_by_48():
    assert identity.network_hash("192.0.2.1") == identity.network_hash("192.0.2.254")
    assert identity.network_hash("192.0.2.1") != identity.network_hash("192.0.3.1")
    assert identity.network_hash("2001:db8:1::1") == identity.network_hash("2001:db8:1:ffff::9")
    assert identity.network_hash("2001:db8:1::1") != identity.network_hash("2001:db8:2::1")
