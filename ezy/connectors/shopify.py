"""`shopify`: a store read through the Admin GraphQL API (products, orders, customers, inventory
levels), in webhook shape.

Requests go to `{endpoint or https://shopDomain}/admin/api/{apiVersion}/graphql.json` with
`X-Shopify-Access-Token`, through the guarded transport and the same request retries as the
`http` kind (429, 5xx, timeouts; ezy.connectors._http_request). On top: cost-based pacing and
`THROTTLED` retries (ezy.connectors._shopify_throttle), cursor pagination on
`pageInfo.hasNextPage` / `endCursor`, nested variants and line items fetched to the end, and incremental reads
by `updated_at` (sorted by it, with an overlap window: keyed upserts make the repeat harmless).

A read without a cursor (a first sync, or a resource read in full) first asks the shop's count
(`productsCount`...): at or above the profile's `bulkThreshold` (default 2,500; 0: never) it reads
through a bulk operation instead of pages (ezy.connectors._shopify_bulk), same records. Every read
ends with one log line: records, channel, THROTTLED answers, time spent waiting on the rate limit
and retried requests (the run's stage stats have no room for them, see ezy.pipeline.stats).

Records are in Shopify's webhook shape (ezy.connectors._shopify_shapes), so one mapping serves
scheduled runs and webhook deliveries. Writes take the same shape (products with variants,
inventory levels) and answer one result per record, `userErrors` rejecting it
(ezy.connectors._shopify_write).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import Field

from ezy.connectors._http_config import HttpSettings, Retries
from ezy.connectors._http_request import Answer, Requester
from ezy.connectors._shopify_bulk import BulkRead, BulkSettings
from ezy.connectors._shopify_shapes import RESOURCES, SHOP_QUERY, ResourceQuery
from ezy.connectors._shopify_throttle import CostBucket, ThrottleNeverClears
from ezy.connectors._shopify_write import WRITERS, as_new
from ezy.connectors.base import (
    ConnectionTestResult,
    ConnectorError,
    ConnectorKind,
    KindBase,
    KindSettings,
    Page,
    Resource,
    WriteMode,
    WriteResult,
    url_host,
)
from ezy.connectors.http import latest

log = logging.getLogger("ezy.connectors.shopify")
OVERLAP = timedelta(seconds=60)  # Shopify's updated_at search index lags its writes a little
MAX_THROTTLED_IN_A_ROW = 5
# A bulk operation costs a start, a few polls and a wait in Shopify's queue (seconds to minutes);
# paging costs ~1 point a product with variants at 100 points/s on Standard plans. Around here
# the bulk operation is clearly ahead.
DEFAULT_BULK_THRESHOLD = 2_500


class ShopifyConfig(KindSettings):
    shop_domain: str = Field(
        max_length=255,
        pattern="^[A-Za-z0-9][A-Za-z0-9-]*\\.myshopify\\.com$",
        description="`<shop>.myshopify.com`.",
    )
    api_version: str = Field(pattern="^(\\d{4}-\\d{2}|unstable)$", description="`2025-01`, ...")
    endpoint: str | None = Field(
        None,
        max_length=2000,
        pattern="^https?://[^/?#\\s]+",
        # A proxy, or a fake store in tests; it obeys the private-network setting.
        description="Replaces `https://{shopDomain}` as the base URL.",
    )
    # Shopify's counts stop at 10,000 unless asked otherwise: a higher line would never be reached.
    bulk_threshold: int = Field(
        DEFAULT_BULK_THRESHOLD,
        ge=0,
        le=10_000,
        description="A read without a cursor uses a bulk operation from this many records (0: never).",
    )


class ShopifySecrets(KindSettings):
    access_token: str = Field(min_length=1, max_length=500, description="The Admin API access token.")
    webhook_secret: str | None = Field(
        None, min_length=1, max_length=500, description="Verifies `X-Shopify-Hmac-Sha256` of pushes."
    )


class ShopifyConnector(KindBase):
    kind: ClassVar[ConnectorKind] = ConnectorKind.SHOPIFY
    description: ClassVar[str] = (
        "A Shopify store through the Admin GraphQL API: reads products, orders, customers and inventory "
        "levels in webhook shape; writes products and inventory quantities."
    )
    config_model: ClassVar[type[KindSettings]] = ShopifyConfig
    secrets_model: ClassVar[type[KindSettings]] = ShopifySecrets

    @classmethod
    def hosts(cls, config: Mapping[str, Any]) -> list[tuple[str, int | None]]:
        endpoint = config.get("endpoint")
        return [url_host(str(endpoint)) if endpoint else (str(config["shopDomain"]), 443)]

    @classmethod
    def sample_config(cls, config: Mapping[str, Any]) -> Mapping[str, Any]:
        # A count query and a bulk operation for a few records: pages answer a sample at once.
        return {**config, "bulkThreshold": 0}

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, Any] | None = None,
        *,
        allow_private_networks: bool = False,
        max_throttle_wait: float = 60.0,
        bulk: BulkSettings | None = None,
    ) -> None:
        base = str(config.get("endpoint") or f"https://{config['shopDomain']}").rstrip("/")
        self._version = str(config["apiVersion"])
        self._url = f"{base}/admin/api/{self._version}/graphql.json"
        settings = HttpSettings(
            base_url=base,
            auth_type="header",
            auth_header="X-Shopify-Access-Token",
            timeout=30.0,
            retries=Retries(attempts=4, initial_delay=0.5, max_delay=30.0),
        )
        token = {"apiKey": str((secrets or {}).get("accessToken", ""))}
        self._requests = Requester(settings, token, allow_private=allow_private_networks)
        self.bucket = CostBucket(max_wait=max_throttle_wait)
        self.throttled = 0  # THROTTLED answers received, for logs and tests
        self._allow_private = allow_private_networks
        self._bulk = bulk or BulkSettings()
        self.bulk_threshold = int(config.get("bulkThreshold", DEFAULT_BULK_THRESHOLD))

    async def graphql(
        self, operation: str, query: str, variables: Mapping[str, Any], *, attempts: int | None = None
    ) -> tuple[dict[str, Any], Answer]:
        in_a_row = 0
        while True:
            await self.bucket.pace(operation)
            body = {"query": query, "variables": dict(variables)}
            answer = await self._requests.send("POST", self._url, body=body, attempts=attempts)
            if not answer.ok:
                raise ConnectorError(self._refusal(answer))
            payload = answer.json()
            if not isinstance(payload, dict):
                raise ConnectorError(
                    f"{answer.where} answered {type(payload).__name__}, not a GraphQL response"
                )
            self.bucket.record(operation, payload.get("extensions"))
            errors = payload.get("errors") or []
            if _codes(errors) & {"THROTTLED"}:
                self.throttled += 1
                in_a_row += 1
                if in_a_row > MAX_THROTTLED_IN_A_ROW:
                    raise ThrottleNeverClears(f"Shopify throttled {operation} {in_a_row} times in a row")
                continue
            if errors:
                raise ConnectorError(_error_text(operation, errors))
            return dict(payload.get("data") or {}), answer

    def _refusal(self, answer: Answer) -> str:
        if answer.status == 401:
            return f"Shopify refused the access token ({answer.failure()})"
        if answer.status == 403:
            return f"the access token lacks a scope this needs ({answer.failure()})"
        if answer.status == 404:
            return f"no such shop or API version {self._version} ({answer.failure()})"
        return answer.failure()

    async def test(self) -> ConnectionTestResult:
        started = time.perf_counter()
        try:
            data, answer = await self.graphql("Shop", SHOP_QUERY, {}, attempts=1)
        except ConnectorError as exc:
            return ConnectionTestResult(False, _ms(started), str(exc))
        shop = data.get("shop") or {}
        scopes = [s["handle"] for s in (data.get("currentAppInstallation") or {}).get("accessScopes", [])]
        version = answer.headers.get("x-shopify-api-version", self._version)
        detail = (
            f"shop {shop.get('name')!r} ({shop.get('myshopifyDomain')}), API version {version}, "
            f"scopes: {', '.join(scopes) or 'none'}"
        )
        return ConnectionTestResult(True, _ms(started), detail)

    async def list_resources(self) -> list[Resource]:
        return [Resource(name, f"{name} through the Admin GraphQL API") for name in RESOURCES]

    async def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]:
        spec = RESOURCES.get(resource)
        if spec is None:
            raise ConnectorError(f"unknown Shopify resource {resource!r}; one of {', '.join(RESOURCES)}")
        if cursor_field not in (None, "updated_at"):
            raise ConnectorError("Shopify reads are incremental on updated_at only")
        if cursor_field and not spec.incremental:
            raise ConnectorError(f"Shopify {resource} are read in full: remove extract.incremental")
        since = cursor if cursor_field else None
        search = _search(params or {}, since)
        tally = _Tally(self, resource)
        try:
            if since is None and await self._big(spec, search):
                bulk = BulkRead(self._data, self._bulk, allow_private=self._allow_private)
                tally.bulk = bulk
                pages = bulk.pages(resource, spec, search, batch_size, cursor_field)
            else:
                pages = self._pages(resource, spec, search, cursor, cursor_field, batch_size)
            async with contextlib.aclosing(pages):
                async for page in pages:
                    tally.records += len(page.records)
                    yield page
        finally:
            tally.log()

    async def _big(self, spec: ResourceQuery, search: str | None) -> bool:
        """Whether a full read is worth a bulk operation: the shop's count against the threshold."""
        if self.bulk_threshold <= 0:
            return False
        query = f"query Count($query: String) {{ {spec.count}(query: $query) {{ count }} }}"
        # A search narrows the count only where it filters the same objects as the read.
        data = await self._data(spec.count, query, {"query": search if spec.incremental else None})
        return int((data.get(spec.count) or {}).get("count") or 0) >= self.bulk_threshold

    async def _pages(
        self,
        resource: str,
        spec: ResourceQuery,
        search: str | None,
        cursor: str | None,
        cursor_field: str | None,
        batch_size: int,
    ) -> AsyncGenerator[Page, None]:
        after: str | None = None
        while True:
            variables = {"first": min(batch_size, spec.page_size), "after": after, "query": search}
            data, _ = await self.graphql(spec.field, spec.query, variables)
            connection = data[spec.field]
            records = []
            for node in connection["nodes"]:
                nested = await self._nested(node, spec) if spec.nested else []
                records.extend(spec.shape(node, nested))
            if cursor_field:
                cursor = latest(cursor, records, "updated_at")
            yield Page(records, cursor if cursor_field else None)
            info = connection["pageInfo"]
            if not info["hasNextPage"]:
                return
            if info["endCursor"] in (None, after):
                raise ConnectorError(
                    f"reading {resource}: Shopify answered the same page cursor twice; stopped"
                )
            after = info["endCursor"]

    async def _nested(self, node: Mapping[str, Any], spec: ResourceQuery) -> list[Mapping[str, Any]]:
        """All of a node's nested connection (variants, line items), following pages past the first."""
        assert spec.nested is not None
        connection = node[spec.nested]
        nodes = list(connection["nodes"])
        while connection["pageInfo"]["hasNextPage"]:
            variables = {"id": node["id"], "after": connection["pageInfo"]["endCursor"]}
            data, _ = await self.graphql(f"{spec.nested_root}.{spec.nested}", spec.nested_query, variables)
            connection = data[spec.nested_root][spec.nested]
            nodes.extend(connection["nodes"])
        return nodes

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]:
        writer = WRITERS.get(resource)
        if writer is None:
            raise ConnectorError(f"Shopify cannot write {resource!r}; one of {', '.join(WRITERS)}")
        results = []
        for record in records:  # one at a time: the cost bucket paces them, concurrency would not help
            if mode == "insert":
                record = as_new(record)
            elif mode == "update" and resource == "products" and record.get("id") is None:
                results.append(WriteResult(False, "load_rejected", "update needs the product's id"))
                continue
            results.append(await writer(self._data, record))
        return results

    async def _data(self, operation: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        data, _ = await self.graphql(operation, query, variables)
        return data

    async def close(self) -> None:
        await self._requests.close()


class _Tally:
    """What one read cost, for its log line (the stage stats' documented shape has no room for it)."""

    def __init__(self, shop: ShopifyConnector, resource: str) -> None:
        self.shop, self.resource = shop, resource
        self.started = time.perf_counter()
        self.throttled, self.waited = shop.throttled, shop.bucket.waited
        self.retried = shop._requests.retried
        self.records = 0
        self.bulk: BulkRead | None = None

    def log(self) -> None:
        shop, bulk = self.shop, self.bulk
        figures = {
            "resource": self.resource,
            "channel": "bulk" if bulk else "paged",
            "records": self.records,
            "ms": round(_ms(self.started)),
            "throttled": shop.throttled - self.throttled,
            "throttledMs": round((shop.bucket.waited - self.waited) * 1000),
            "retries": shop._requests.retried - self.retried,
            "bulkOperation": bulk.operation if bulk else None,
            "bulkPolls": bulk.polls if bulk else 0,
        }
        log.info(
            "read %(records)d %(resource)s (%(channel)s) in %(ms)d ms: %(throttled)d THROTTLED answers, "
            "%(throttledMs)d ms waiting on the rate limit, %(retries)d retried requests",
            figures,
            extra={"shopify": figures},
        )


def _search(params: Mapping[str, Any], since: str | None) -> str | None:
    """Shopify's search syntax: the mapping's params as `key:value`, and the incremental filter."""
    terms = [f"{key}:{value}" for key, value in params.items()]
    if since:
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00")) - OVERLAP
        except ValueError:
            raise ConnectorError(f"not an updated_at cursor: {since!r}") from None
        terms.append(f"updated_at:>='{moment.isoformat()}'")
    return " AND ".join(terms) or None


def _codes(errors: Any) -> set[str]:
    if not isinstance(errors, list):
        return set()
    return {str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)}


def _error_text(operation: str, errors: Any) -> str:
    if not isinstance(errors, list):
        return f"Shopify answered {operation} with an error: {str(errors)[:300]}"
    messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
    prefix = "the access token lacks a scope: " if "ACCESS_DENIED" in _codes(errors) else ""
    return f"Shopify answered {operation}: {prefix}{'; '.join(messages)[:500]}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
