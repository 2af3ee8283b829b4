"""Tests for fedaid/client_address.py: X-Forwarded-For is read only behind a trusted proxy, from the right."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from fedaid.client_address import address_of
from fedaid.config import Settings
from fedaid.errors import ConfigError

PROXIES = (ip_network("10.0.0.0/8"), ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", "", "203.0.113.5"),  # no proxy at all
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # an untrusted peer cannot name another client
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),  # nginx in front
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # what the client wrote before nginx's entry
        ("10.0.0.2", "198.51.100.1, 10.0.0.3", "198.51.100.1"),  # two trusted proxies in a row
        ("10.0.0.2", "198.51.100.1 ,10.0.0.3 , ", "198.51.100.1"),  # spacing and an empty entry
        ("10.0.0.2", "not-an-address", "10.0.0.2"),  # garbage: keep the proxy's own view
        ("10.0.0.2", "", "10.0.0.2"),  # a trusted proxy that named nobody
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("::1", "[2001:db8::7]", "2001:db8::7"),
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),  # IPv4-mapped peer
        ("", "198.51.100.1", "unknown"),  # a Unix socket has no address
    ],
)
def test_the_client_address_is_the_rightmost_untrusted_hop(peer, forwarded, expected):
    assert address_of(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_never_read():
    assert address_of("10.0.0.2", "198.51.100.1", ()) == "10.0.0.2"


def test_trusted_proxies_setting_reads_addresses_and_cidrs():
    settings = Settings(trusted_proxies="127.0.0.1, 10.0.0.0/8 ::1")

    assert [str(network) for network in settings.trusted_proxy_networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


@pytest.mark.parametrize("value", ["nginx", "10.0.0.0/33", "10.0.0.1/8/8"])
def test_a_bad_trusted_proxies_setting_is_refused_with_its_name(value):
    with pytest.raises(ConfigError, match="FEDAID_TRUSTED_PROXIES"):
        Settings(trusted_proxies=value)


def test_trusted_proxies_come_from_the_environment(tmp_path):
    settings = Settings.from_env({"FEDAID_DATA_DIR": str(tmp_path), "FEDAID_TRUSTED_PROXIES": "192.168.1.0/24"})

    assert [str(network) for network in settings.trusted_proxy_networks] == ["192.168.1.0/24"]
