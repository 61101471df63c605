"""The stand-in store's bulk operations, as Shopify runs them (2025-01).

- `bulkOperationRunQuery(query)` validates the inner query against the schema (an invalid one, one
  without a connection, or a nested connection whose parent does not select `id`: `userErrors`
  with code INVALID; another query operation still running: OPERATION_IN_PROGRESS), answers, and
  runs it in the background on the store's data with every connection read to the end.
- The result is JSONL, one object a line: each node of a connection, its nested connections' nodes
  after it on lines of their own with `__parentId`, as Shopify groups them.
- Polling (`node(id:)` or `currentBulkOperation`) moves the operation on: CREATED, then RUNNING,
  then after `store.bulk_polls` polls (and once the query has run) the store's `bulk_outcome`
  (COMPLETED, FAILED with `bulk_error_code`, CANCELED or EXPIRED). `bulk_polls` large enough: it
  never completes.
- A completed operation's `url` serves the file (GET, no token: Shopify's are signed storage URLs);
  `store.bulk_tamper`, when set, rewrites its lines first (malformed results in tests).
- `bulkOperationCancel(id)` cancels a running operation.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, FieldNode, SelectionSetNode, execute_sync, parse, validate
from graphql.error import GraphQLError

if TYPE_CHECKING:
    from ezy.demo_shopify.store import FakeStore

RUNNING = ("CREATED", "RUNNING")


@dataclass
class BulkOperation:
    number: int
    query: str
    created_at: str
    lines: list[bytes] = field(default_factory=list)
    roots: int = 0
    ran: threading.Event = field(default_factory=threading.Event)  # the query has been run
    status: str = "CREATED"
    polls: int = 0
    error_code: str | None = None
    completed_at: str | None = None

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.number}"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _invalid(message: str) -> dict[str, Any]:
    return {
        "bulkOperation": None,
        "userErrors": [{"field": ["query"], "message": message, "code": "INVALID"}],
    }


class BulkOperations:
    def __init__(self, store: FakeStore, root: Callable[[], dict[str, Any]]) -> None:
        self.store = store
        self.root = root  # the store's resolvers, for running an operation's query

    def run_query(self, _info: Any, query: str) -> dict[str, Any]:
        from ezy.demo_shopify.store import admin_schema

        store = self.store
        busy = next((op for op in store.bulk_operations if op.status in RUNNING), None)
        if busy is not None:
            message = f"A bulk query operation for this app and shop is already in progress: {busy.gid}."
            error = {"field": None, "message": message, "code": "OPERATION_IN_PROGRESS"}
            return {"bulkOperation": None, "userErrors": [error]}
        try:
            document = parse(query)
        except GraphQLError as exc:
            return _invalid(f"Invalid bulk query: {exc.message}")
        problems = [p.message for p in validate(admin_schema(), document)] or bulk_problems(document)
        if problems:
            return _invalid(f"Invalid bulk query: {problems[0]}")
        op = BulkOperation(len(store.bulk_operations) + 1, query, _now())
        store.bulk_operations.append(op)
        # Shopify runs it on its side: the answer does not wait for the result.
        threading.Thread(target=self._execute, args=(op, document), daemon=True).start()
        return {"bulkOperation": self.view(op), "userErrors": []}

    def _execute(self, op: BulkOperation, document: DocumentNode) -> None:
        from ezy.demo_shopify.store import admin_schema

        try:
            result = execute_sync(
                admin_schema(), document, root_value=self.root(), context_value={"bulk": True}
            )
            if any("Access denied" in e.message for e in result.errors or ()):
                op.error_code = "ACCESS_DENIED"
            else:
                op.lines, op.roots = flatten(result.data or {})
        except Exception:
            op.error_code = "INTERNAL_SERVER_ERROR"
        finally:
            op.ran.set()

    def poll(self, op: BulkOperation) -> dict[str, Any]:
        """One look at the operation, which moves it on (see the module's docstring)."""
        store = self.store
        if op.status in RUNNING:
            op.polls += 1
            op.status = "RUNNING"
            if op.polls >= store.bulk_polls and op.ran.is_set():
                op.status = "FAILED" if op.error_code else store.bulk_outcome
                op.completed_at = _now()
                if op.status == "FAILED":
                    op.error_code = op.error_code or store.bulk_error_code
        return self.view(op)

    def node(self, _info: Any, id: str) -> dict[str, Any] | None:
        op = next((op for op in self.store.bulk_operations if op.gid == id), None)
        return None if op is None else self.poll(op)

    def current(self, _info: Any, type: str = "QUERY") -> dict[str, Any] | None:
        return self.poll(self.store.bulk_operations[-1]) if self.store.bulk_operations else None

    def cancel(self, _info: Any, id: str) -> dict[str, Any]:
        op = next((op for op in self.store.bulk_operations if op.gid == id), None)
        if op is None or op.status not in RUNNING:
            message = (
                "Bulk operation does not exist"
                if op is None
                else f"A {op.status} operation can't be canceled."
            )
            return {"bulkOperation": None, "userErrors": [{"field": ["id"], "message": message}]}
        op.status = "CANCELED"
        self.store.bulk_cancelled += 1
        return {"bulkOperation": self.view(op), "userErrors": []}

    def view(self, op: BulkOperation) -> dict[str, Any]:
        done = op.status == "COMPLETED"
        return {
            "__typename": "BulkOperation",
            "id": op.gid,
            "status": op.status,
            "errorCode": op.error_code if op.status == "FAILED" else None,
            "createdAt": op.created_at,
            "completedAt": op.completed_at,
            "objectCount": str(len(op.lines) if done else min(len(op.lines), op.polls * 100)),
            "rootObjectCount": str(op.roots if done else 0),
            "fileSize": str(sum(len(line) for line in op.lines)) if done and op.lines else None,
            "url": f"{self.store.base_url}/bulk/{op.number}.jsonl?signature=x" if done and op.lines else None,
            "partialDataUrl": None,
            "query": op.query,
            "type": "QUERY",
        }

    def download(self, number: int) -> bytes | None:
        """The JSONL file of a completed operation (None: no such file)."""
        store = self.store
        op = next((op for op in store.bulk_operations if op.number == number), None)
        if op is None or op.status != "COMPLETED":
            return None
        lines = store.bulk_tamper(list(op.lines)) if store.bulk_tamper else op.lines
        return b"".join(line + b"\n" for line in lines)


def bulk_problems(document: DocumentNode) -> list[str]:
    """Shopify's own rules for a bulk query, beyond the schema's."""
    operation = document.definitions[0]
    selections = getattr(operation, "selection_set", None)
    if not any(_connection(f) is not None for f in _fields(selections)):
        return ["it must contain at least one connection."]
    if _nested_without_id(selections, root=True):
        return ["the parent of a nested connection must select the `id` field."]
    return []


def _fields(selections: SelectionSetNode | None) -> list[FieldNode]:
    return [f for f in (selections.selections if selections else ()) if isinstance(f, FieldNode)]


def _connection(field: FieldNode) -> SelectionSetNode | None:
    """The selection of a connection's nodes (`edges { node }` or `nodes`); None: not a connection."""
    for sub in _fields(field.selection_set):
        if sub.name.value == "nodes":
            return sub.selection_set
        if sub.name.value == "edges":
            return next((n.selection_set for n in _fields(sub.selection_set) if n.name.value == "node"), None)
    return None


def _nested_without_id(selections: SelectionSetNode | None, *, root: bool) -> bool:
    fields = _fields(selections)
    names = {f.name.value for f in fields}
    for field_ in fields:
        nodes = _connection(field_)
        if nodes is not None and not root and "id" not in names:
            return True
        inner = nodes if nodes is not None else field_.selection_set
        if inner is not None and _nested_without_id(inner, root=root and nodes is None):
            return True
    return False


def flatten(data: dict[str, Any]) -> tuple[list[bytes], int]:
    """A bulk query's result as Shopify's JSONL lines (and how many are top-level objects)."""
    lines: list[bytes] = []
    roots = 0
    for value in data.values():
        if not _is_connection(value):
            continue
        for node in _nodes(value):
            _emit(node, None, lines)
            roots += 1
    return lines, roots


def _is_connection(value: Any) -> bool:
    return isinstance(value, dict) and ("edges" in value or "nodes" in value)


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    if "edges" in connection:
        return [edge["node"] for edge in connection["edges"] if edge.get("node") is not None]
    return list(connection["nodes"])


def _emit(node: dict[str, Any], parent: str | None, lines: list[bytes]) -> None:
    own = {k: v for k, v in node.items() if not _is_connection(v)}
    if parent is not None:
        own["__parentId"] = parent
    lines.append(json.dumps(own).encode())
    for connection in (v for v in node.values() if _is_connection(v)):
        for child in _nodes(connection):
            _emit(child, node["id"], lines)
