"""The guarded outbound transport: checked addresses only, pinned connections, re-checked redirects."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import httpx
import pytest

from ezy import netguard
from ezy.connectors._http_transport import ResponseTooLarge, open_client
from ezy.connectors.http import HttpConnector
from ezy.netguard import BlockedAddress
from tests.connectors.http_helpers import connector
from tests.fakes import tls
from tests.fakes.h2_server import serve_h2
from tests.fakes.rest_api import Fault, RestApi, records, serve_rest_api


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Names resolve to the given addresses; answers the list of names looked up, in order."""
    asked: list[str] = []

    async def getaddrinfo(host: str, port: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    return asked


def port_of(api: RestApi) -> int:
    return int(api.base_url.rsplit(":", 1)[1])


async def test_loopback_is_refused_before_any_byte_is_sent(rest_api: RestApi) -> None:
    async with open_client(allow_private=False, timeout=2) as client:
        with pytest.raises(BlockedAddress):
            await client.get(f"{rest_api.base_url}/plain/products")
    assert rest_api.requests == []


async def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    rest_api: RestApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = fake_dns(monkeypatch, {"shop.example": ["127.0.0.1"]})
    url = f"http://shop.example:{port_of(rest_api)}/plain/products"
    async with open_client(allow_private=True, timeout=2) as client:
        answer = await client.get(url)
    assert answer.status_code == 200 and len(answer.json()) == 95
    assert asked == ["shop.example"]  # no second lookup that a rebinding DNS could answer differently
    assert rest_api.requests[0].headers["Host"] == f"shop.example:{port_of(rest_api)}"


async def test_every_redirect_hop_is_checked_again(
    rest_api: RestApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"shop.example": ["127.0.0.1"], "metadata.example": ["127.0.0.2"]})
    # Only 127.0.0.1 counts as public here, so the first hop passes and the second must not.
    monkeypatch.setattr(netguard, "is_public", lambda a: a == ipaddress.ip_address("127.0.0.1"))
    port = port_of(rest_api)
    rest_api.inject(Fault(302, headers={"Location": f"http://metadata.example:{port}/latest/meta-data"}))
    async with open_client(allow_private=False, timeout=2) as client:
        with pytest.raises(BlockedAddress):
            await client.get(f"http://shop.example:{port}/plain/products")
    assert [r.path for r in rest_api.requests] == ["/plain/products"]


async def test_credentials_never_follow_a_redirect_to_another_origin(rest_api: RestApi) -> None:
    other = rest_api.base_url.replace("127.0.0.1", "localhost")  # same server, another origin
    rest_api.inject(Fault(302, headers={"Location": f"{other}/plain/products"}))
    source = connector(rest_api, {"apiKey": "k-secret-1"}, auth={"type": "header", "header": "X-Api-Key"})
    pages = [page async for page in source.read("plain/products")]
    await source.close()
    assert len(pages[0].records) == 95
    first, second = rest_api.requests
    assert first.headers["X-Api-Key"] == "k-secret-1" and "X-Api-Key" not in second.headers


async def test_a_response_larger_than_the_cap_is_refused(rest_api: RestApi) -> None:
    async with open_client(allow_private=True, timeout=2, max_response_bytes=1024) as client:
        with pytest.raises(ResponseTooLarge, match="more than the 1024 allowed"):
            await client.get(f"{rest_api.base_url}/plain/products")


async def test_the_connector_names_a_refused_host_without_its_address(rest_api: RestApi) -> None:
    source = HttpConnector({"baseUrl": rest_api.base_url}, allow_private_networks=False)
    result = await source.test()
    assert result.ok is False and "not allowed in this deployment" in result.detail
    assert rest_api.requests == []


@pytest.mark.parametrize(
    ("certified", "succeeds"),
    [
        pytest.param("shop.example", True, id="name-matches"),
        pytest.param("other.example", False, id="mismatch"),
    ],
)
async def test_tls_verifies_the_name_while_connecting_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch, certified: str, succeeds: bool
) -> None:
    server_tls, client_tls = tls.contexts(certified)
    with serve_rest_api(tls=server_tls) as api:
        api.collections["products"] = records(3)
        fake_dns(monkeypatch, {"shop.example": ["127.0.0.1"]})
        url = f"https://shop.example:{port_of(api)}/plain/products"
        async with open_client(allow_private=True, timeout=2, ssl_context=client_tls) as client:
            if succeeds:
                assert len((await client.get(url)).json()) == 3
                assert api.requests[0].headers["Host"] == f"shop.example:{port_of(api)}"
            else:
                with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
                    await client.get(url)


async def test_http2_is_used_where_the_server_offers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    server_tls, client_tls = tls.contexts("api.example")
    with serve_h2(server_tls) as server:
        fake_dns(monkeypatch, {"api.example": ["127.0.0.1"]})
        url = f"https://api.example:{server.base_url.rsplit(':', 1)[1]}/things"
        async with open_client(allow_private=True, timeout=2, ssl_context=client_tls) as client:
            answers = [await client.get(url) for _ in range(2)]
    assert [a.http_version for a in answers] == ["HTTP/2", "HTTP/2"] and server.served == 2
