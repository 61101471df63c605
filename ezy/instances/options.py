"""An instance's run options: the knobs the executor reads, checked when the instance is written.

Unchecked, `{"maxRetries": "x"}` or `{"batchRetries": 1e9}` was accepted and then broke or stalled the
run in the worker. Known options are checked for type and bounds (every bad one reported at its
pointer); other members are kept as given and ignored by runs. A value stored before this check that
is out of bounds reads as the default, so an old row cannot break a run either.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, Strict, ValidationError

from ezy.contract import Contract, parse

# Strict: "3" or true is not a number of retries (lax Pydantic would take both).
Count = Annotated[int, Strict()]
Seconds = Annotated[float, Strict()]


class InstanceOptions(Contract):
    """Run options; members not listed here are kept as given and ignored by runs.

    An omitted member takes its default; `null` is not a value for one.
    """

    # Unknown members are the client's own; a snake_case spelling is one of them, not an alias.
    model_config = ConfigDict(extra="allow", validate_by_name=False, validate_by_alias=True)

    max_retries: Count = Field(
        default=3, ge=0, le=20, description="Whole-run retries after a transient failure."
    )
    retry_backoff_seconds: Seconds = Field(
        default=5.0, ge=0, le=600, description="First whole-run retry delay, doubling."
    )
    batch_retries: Count = Field(
        default=5, ge=1, le=20, description="Tries of one page or batch, the first included."
    )
    batch_retry_delay_seconds: Seconds = Field(
        default=0.5, ge=0, le=60, description="First page or batch retry delay, doubling."
    )


def check_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """The options to store, as sent (`2` stays `2`, not `2.0`); a 422 names every bad member.

    Checked here rather than as a member of `InstanceInput`: GraphQL carries options as one JSON
    value, and only a check of the value itself gives both APIs the member's pointer.
    """
    given = options or {}
    parse(InstanceOptions, given, base="/options")
    return given


def options_schema() -> dict[str, Any]:
    """The JSON Schema of `options` (OpenAPI), from the model."""
    return InstanceOptions.model_json_schema(by_alias=True)


_FIELD = {info.alias: name for name, info in InstanceOptions.model_fields.items()}


def option(options: dict[str, Any] | None, name: str) -> float:
    """The value a run uses: the stored one when valid, else the default (`name` as on the wire)."""
    field = _FIELD[name]
    value = (options or {}).get(name)
    if value is not None:
        try:
            return float(getattr(InstanceOptions.model_validate({name: value}), field))
        except ValidationError:
            pass  # stored before options were checked: the default, so an old row still runs
    return float(InstanceOptions.model_fields[field].default)
