"""`@audited(...)`: one line on a service's mutation entry point records it in the audit log.

The entry is written after the function returns (a failed call records nothing), from the call's
arguments and its result by a describer: `(arguments, result) -> (resource id, details)`. Describers
read ids, names, versions, field names and counts only, so no secret value or payload gets in.

    @audited("connectionProfile.update", changed)
    async def patch(ctx, id, patch, expected_version) -> ConnectionProfile: ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ParamSpec, TypeVar

from pydantic import BaseModel

from ezy.audit.service import record
from ezy.context import TenantContext

P = ParamSpec("P")
R = TypeVar("R")
Arguments = Mapping[str, Any]
Describe = Callable[[Arguments, Any], tuple[object, dict[str, Any]]]
MAX_IDS_RECORDED = 100


def _config_details(row: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"version": row.version}
    if getattr(row, "name", None) is not None:
        details["name"] = row.name
    return details


def created(args: Arguments, row: Any) -> tuple[object, dict[str, Any]]:
    """A configuration row as written (create, activate, deactivate): its version and name."""
    row = getattr(row, "endpoint", row)  # a new webhook endpoint comes with its one-time secret
    return row.id, _config_details(row)


def changed(args: Arguments, row: Any) -> tuple[object, dict[str, Any]]:
    """PUT or PATCH: also the names of the members the request sent (never their values)."""
    sent = args.get("patch", args.get("data", args.get("body"))) or {}
    return row.id, {**_config_details(row), "fields": _member_names(sent)}


def _member_names(sent: Any) -> list[str]:
    """The wire names of what a request sent: a contract's set fields, or a body's keys."""
    if isinstance(sent, BaseModel):
        fields = type(sent).model_fields
        return sorted(fields[name].alias or name for name in sent.model_fields_set)
    return sorted(sent)


def deleted(args: Arguments, _: Any) -> tuple[object, dict[str, Any]]:
    return args["id"], {"version": args["expected_version"]}


def key_issued(args: Arguments, issued: Any) -> tuple[object, dict[str, Any]]:
    """A created or rotated key: its name and new public prefix; the secret stays out."""
    key = getattr(issued, "key", issued)
    details: dict[str, Any] = {"name": key.name, "prefix": f"ezy_{key.prefix}"}
    if "rotation" in args:
        details["gracePeriodSeconds"] = args["rotation"].grace_period_seconds or 0
    return key.id, details


def letter_replayed(args: Arguments, run: Any) -> tuple[object, dict[str, Any]]:
    """Whether the replay sent an edited record (never the record itself)."""
    return args["letter_id"], {"edited": "payload" in _member_names(args["replay"]), "syncLogId": str(run.id)}


def letter_discarded(args: Arguments, letter: Any) -> tuple[object, dict[str, Any]]:
    return letter.id, {}


def bulk(args: Arguments, count: int) -> tuple[object, dict[str, Any]]:
    """The selection (ids, up to a hundred of them, or the filter: ids and stages, no record) and how
    many messages it took."""
    selection = args["selection"]
    details: dict[str, Any] = {"count": count}
    if selection.ids is not None:
        details["ids"] = [str(i) for i in selection.ids[:MAX_IDS_RECORDED]]
        details["idCount"] = len(selection.ids)
    else:
        details["filter"] = selection.filter.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return None, details


def run_started(args: Arguments, run: Any) -> tuple[object, dict[str, Any]]:
    return run.correlation_id, {"instanceId": str(run.instance_id), "syncLogId": str(run.id)}


def audited(
    action: str, describe: Describe = created
) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Records `action` (`<resourceType>.<verb>`) for the function's `ctx` after it succeeds."""
    resource_type = action.split(".", 1)[0]
    if resource_type == "dlq":
        resource_type = "deadLetter"

    def decorate(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            result = await fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            ctx = bound.arguments["ctx"]
            assert isinstance(ctx, TenantContext)
            resource_id, details = describe(bound.arguments, result)
            await record(ctx, action, resource_type, resource_id, details)
            return result

        return wrapper

    return decorate
