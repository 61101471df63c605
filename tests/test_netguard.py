"""The outbound address policy: only globally routable addresses, unless the deployment allows more."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest

from ezy.netguard import BlockedAddress, UnresolvableHost, ensure_public, is_public


@pytest.mark.parametrize(
    ("address", "public"),
    [
        pytest.param("8.8.8.8", True, id="public-v4"),
        pytest.param("2606:4700:4700::1111", True, id="public-v6"),
        pytest.param("127.0.0.1", False, id="loopback"),
        pytest.param("10.1.2.3", False, id="private-10"),
        pytest.param("172.16.0.1", False, id="private-172"),
        pytest.param("192.168.1.1", False, id="private-192"),
        pytest.param("169.254.169.254", False, id="link-local-cloud-metadata"),
        pytest.param("100.64.0.1", False, id="shared-cgnat"),
        pytest.param("0.0.0.0", False, id="unspecified"),
        pytest.param("224.0.0.1", False, id="multicast"),
        pytest.param("::1", False, id="loopback-v6"),
        pytest.param("fe80::1", False, id="link-local-v6"),
        pytest.param("fd00::1", False, id="unique-local-v6"),
        pytest.param("::ffff:127.0.0.1", False, id="v4-mapped-loopback"),
        pytest.param("::ffff:8.8.8.8", True, id="v4-mapped-public"),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "localhost", "", "/var/run/postgresql"])
async def test_local_hosts_are_refused(host: str) -> None:
    with pytest.raises(BlockedAddress):
        await ensure_public(host, 5432)


async def test_public_literal_passes_without_dns() -> None:
    await ensure_public("93.184.216.34", 443)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "/tmp"])
async def test_allow_private_lets_everything_through(host: str) -> None:
    await ensure_public(host, 5432, allow_private=True)


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answer: list[str] | None) -> None:
    async def getaddrinfo(host: str, port: Any, **kwargs: Any) -> list[Any]:
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, 1, 6, "", (a, port)) for a in answer]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)


async def test_a_name_with_any_private_record_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(BlockedAddress) as raised:
        await ensure_public("rebind.example", 443)
    assert "10.0.0.7" not in str(raised.value)  # internal addressing is not told to the tenant


async def test_a_name_with_public_records_only_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, ["93.184.216.34", "2606:4700::1%eth0"])
    await ensure_public("shop.example", 443)


async def test_an_unresolvable_name_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, None)
    with pytest.raises(UnresolvableHost):
        await ensure_public("nowhere.example", 443)
