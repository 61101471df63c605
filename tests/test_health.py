from __future__ import annotations

import httpx
from prometheus_client import REGISTRY


async def test_healthz_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "ezy_http_requests_total" in response.text


async def test_each_request_is_counted_once_by_method_and_status(client: httpx.AsyncClient) -> None:
    def count(method: str, status: str) -> float:
        value = REGISTRY.get_sample_value("ezy_http_requests_total", {"method": method, "status": status})
        return value or 0.0

    def observed(method: str) -> float:
        return REGISTRY.get_sample_value("ezy_http_request_seconds_count", {"method": method}) or 0.0

    ok, missing, latency = count("GET", "200"), count("GET", "404"), observed("GET")
    for _ in range(3):
        await client.get("/healthz")
    await client.get("/no-such-page")
    assert count("GET", "200") == ok + 3
    assert count("GET", "404") == missing + 1
    assert observed("GET") == latency + 4
