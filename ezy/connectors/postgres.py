"""`postgres`: a table or a query as a source, keyed upserts into a table as a target.

Reads run one server-side cursor (ordered by the cursor column when incremental) on their own
connection; writes use another, so a profile can be source and target at once. Connection
trouble is a `TransientError`; anything else PostgreSQL says about a statement is a
`ConnectorError`, except row data errors, which fail only those rows (see _pg_write).

Before connecting, every host of the DSN must be public (ezy.netguard) unless the connector was
constructed with `allow_private_networks=True`: a refused host is a `ConnectorError` naming it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
from pydantic import Field

from ezy.connectors._pg_read import build_query, page_cursor, to_record
from ezy.connectors._pg_sql import COLUMNS_SQL, Column, create_table_sql, quote_table
from ezy.connectors._pg_write import BatchWriter
from ezy.connectors.base import (
    ConnectionTestResult,
    ConnectorError,
    ConnectorKind,
    KindBase,
    KindSettings,
    Page,
    Resource,
    TransientError,
    WriteMode,
    WriteResult,
)
from ezy.errors import FieldError
from ezy.netguard import BlockedAddress, UnresolvableHost, ensure_public

TRANSIENT = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
)


class PostgresConfig(KindSettings):
    dsn: str = Field(
        min_length=1,
        max_length=2000,
        pattern="^postgres(ql)?://",
        description="`postgresql://user@host:5432/db`; the password goes in secrets, never here.",
    )


class PostgresSecrets(KindSettings):
    password: str | None = Field(None, max_length=500)


class PostgresConnector(KindBase):
    kind: ClassVar[ConnectorKind] = ConnectorKind.POSTGRES
    description: ClassVar[str] = (
        "A PostgreSQL table or query; the password goes in `secrets`, not in the DSN."
    )
    config_model: ClassVar[type[KindSettings]] = PostgresConfig
    secrets_model: ClassVar[type[KindSettings]] = PostgresSecrets

    @classmethod
    def check_profile(cls, config: Mapping[str, Any], secret_keys: set[str]) -> list[FieldError]:
        if urlsplit(str(config.get("dsn", ""))).password:
            # config is shown in every response; a password there would leak.
            return [FieldError("/config/dsn", "put the password in secrets.password, not in the DSN")]
        return []

    @classmethod
    def hosts(cls, config: Mapping[str, Any]) -> list[tuple[str, int | None]]:
        return dsn_hosts(str(config.get("dsn", "")))

    connect_timeout = 10.0

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, Any] | None = None,
        *,
        allow_private_networks: bool = False,
    ) -> None:
        self._dsn = str(config["dsn"])
        self._password = (secrets or {}).get("password")
        self._allow_private = allow_private_networks
        self._writer: Any = None  # asyncpg.Connection, opened on first write
        self._staged: set[str] = set()  # staging tables that exist on the writer connection
        self._columns: dict[str, dict[str, Column]] = {}

    async def _connect(self) -> Any:
        await self._check_hosts()
        try:
            conn = await asyncpg.connect(self._dsn, password=self._password, timeout=self.connect_timeout)
        except TRANSIENT as exc:
            raise TransientError(f"cannot connect to PostgreSQL: {exc}") from exc
        except asyncpg.PostgresError as exc:  # bad credentials, unknown database
            raise ConnectorError(f"cannot connect to PostgreSQL: {exc}") from exc
        for name in ("json", "jsonb"):
            await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        return conn

    async def _check_hosts(self) -> None:
        """Every host the DSN could connect to must be public, unless private ones are allowed."""
        for host, port in dsn_hosts(self._dsn):
            if "@" in host:  # "user:pa@ss@host": part of a password would show as the host
                raise ConnectorError("refused to connect to PostgreSQL: the DSN's host part is malformed")
            try:
                await ensure_public(host, port, allow_private=self._allow_private)
            except BlockedAddress:
                where = f"host {host!r}" if host else "the local socket"
                raise ConnectorError(
                    f"refused to connect to PostgreSQL {where}: private, loopback and link-local "
                    "addresses are not allowed in this deployment"
                ) from None
            except UnresolvableHost as exc:
                raise TransientError(f"cannot connect to PostgreSQL: {exc}") from None

    async def test(self) -> ConnectionTestResult:
        started = time.perf_counter()
        try:
            conn = await self._connect()
            try:
                await conn.fetchval("SELECT 1", timeout=self.connect_timeout)
            finally:
                await conn.close()
        except (ConnectorError, *TRANSIENT) as exc:
            return ConnectionTestResult(False, (time.perf_counter() - started) * 1000, str(exc))
        return ConnectionTestResult(True, (time.perf_counter() - started) * 1000, "SELECT 1 answered")

    async def list_resources(self) -> list[Resource]:
        conn = await self._connect()
        try:
            rows = await conn.fetch(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
            )
        finally:
            await conn.close()
        return [Resource(r[1] if r[0] == "public" else f"{r[0]}.{r[1]}", "table") for r in rows]

    async def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]:
        conn = await self._connect()
        try:
            async with conn.transaction(readonly=True):
                sql, args = await build_query(conn, resource, dict(params or {}), cursor, cursor_field)
                rows_cursor = await conn.cursor(sql, *args)
                rows = await rows_cursor.fetch(batch_size)
                while rows:
                    following = await rows_cursor.fetch(batch_size)
                    cursor = page_cursor(rows, following, cursor_field, cursor)
                    yield Page([to_record(r) for r in rows], cursor if cursor_field else None)
                    rows = following
        except TRANSIENT as exc:
            raise TransientError(f"reading {resource}: {exc}") from exc
        except asyncpg.PostgresError as exc:
            raise ConnectorError(f"reading {resource}: {exc}") from exc
        finally:
            await _close_quietly(conn)

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]:
        if mode != "insert" and not keys:
            raise ConnectorError(f"{mode} needs keys")
        if not records:
            return []
        try:
            if self._writer is None or self._writer.is_closed():
                self._writer = await self._connect()
                self._staged = set()
            columns = await self._table_columns(resource, records, keys, create_table)
            writer = BatchWriter(self._writer, resource, columns, mode, keys, self._staged)
            return await writer.write(records)
        except TRANSIENT as exc:
            await self._drop_writer()
            raise TransientError(f"writing {resource}: {exc}") from exc
        except asyncpg.PostgresError as exc:
            self._columns.pop(resource, None)  # the table may have changed under us
            raise ConnectorError(f"writing {resource}: {exc}") from exc

    async def _table_columns(
        self, table: str, records: Sequence[Mapping[str, Any]], keys: Sequence[str], create: bool
    ) -> dict[str, Column]:
        columns = self._columns.get(table)
        if columns is None:
            columns = await self._load_columns(table)
            if not columns and create:
                await self._writer.execute(create_table_sql(table, records, keys))
                columns = await self._load_columns(table)
            if not columns:
                raise ConnectorError(f"table {table!r} does not exist (set load.createTable to create it)")
            self._columns[table] = columns
        missing = [k for k in keys if k not in columns]
        if missing:
            raise ConnectorError(f"key column(s) not in {table}: {', '.join(missing)}")
        return columns

    async def _load_columns(self, table: str) -> dict[str, Column]:
        rows = await self._writer.fetch(COLUMNS_SQL, quote_table(table))
        return {r[0]: Column(r[0], r[1], r[2]) for r in rows}

    async def _drop_writer(self) -> None:
        conn, self._writer = self._writer, None
        if conn is not None:
            await _close_quietly(conn)

    async def close(self) -> None:
        await self._drop_writer()


async def _close_quietly(conn: Any) -> None:
    try:
        await asyncio.wait_for(conn.close(), timeout=5)
    except Exception:
        conn.terminate()  # a broken connection cannot say goodbye; drop it


def dsn_hosts(dsn: str) -> list[tuple[str, int | None]]:
    """The (host, port) pairs a DSN can connect to, read the way asyncpg reads them.

    libpq syntax allows several hosts ("h1:5432,h2"); `?host=` counts when the DSN names no host
    before the path. No host at all (the local socket, or PGHOST) comes back as ("", None),
    which the address check refuses.
    """
    parts = urlsplit(dsn)
    hostspec = parts.netloc.partition("@")[2] if "@" in parts.netloc else parts.netloc
    if not hostspec:
        hostspec = (parse_qs(parts.query).get("host") or [""])[-1]
    return [_host_port(item) for item in hostspec.split(",")]


def _host_port(item: str) -> tuple[str, int | None]:
    if item.startswith("["):
        host, _, rest = item[1:].partition("]")
        port = rest.removeprefix(":")
    elif item.count(":") == 1:
        host, port = item.split(":")
    else:
        host, port = item, ""
    return unquote(host), int(port) if port.isdigit() else None
