"""Expected errors as GraphQL types, mapped from the domain's error tree in one place.

A mutation answers `XPayload | ValidationError | NotFoundError | ...` (only the members it can
produce): the client selects on `__typename`. Resolvers just call the service: the exception
handlers below turn a domain error into the union member, on the fields whose union has it.
Everything else stays a top-level error: an `EzyError` outside the union becomes one with
`extensions.code` (see `top_level_error`), anything unexpected is masked by `schema.extensions`.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.pydantic import InputValidationError

from ezy import errors
from ezy.contract import error_at, summary

# `extensions.code` of a top-level error, per branch of the error tree (Apollo's spelling where one exists).
TOP_LEVEL_CODES: dict[type[errors.EzyError], str] = {
    errors.InvalidRequest: "BAD_USER_INPUT",
    errors.Unauthenticated: "UNAUTHENTICATED",
    errors.NotFound: "NOT_FOUND",
    errors.Conflict: "CONFLICT",
    errors.VersionMismatch: "VERSION_MISMATCH",
    errors.PayloadTooLarge: "PAYLOAD_TOO_LARGE",
    errors.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    errors.ValidationFailed: "BAD_USER_INPUT",
    errors.VersionRequired: "VERSION_REQUIRED",
    errors.RateLimited: "RATE_LIMITED",
    errors.RemoteFailed: "REMOTE_FAILED",
    errors.ServiceUnavailable: "SERVICE_UNAVAILABLE",
}


@strawberry.interface(description="What every expected error carries.")
class Error:
    message: str


@strawberry.type(description="One invalid field: `pointer` is the JSON Pointer REST reports for it.")
class FieldError:
    pointer: str
    message: str


@strawberry.type(description="The input was rejected; `fieldErrors` point into it as REST's `errors` do.")
class ValidationError(Error):
    field_errors: list[FieldError]


@strawberry.type(description="No such id in your tenant (another tenant's ids look the same).")
class NotFoundError(Error):
    pass


@strawberry.type(description="Resources that still use the one you tried to delete.")
class References:
    kind: str
    ids: list[strawberry.ID]


@strawberry.type(description="Refused by the resource's state: a duplicate name, still referenced, ...")
class ConflictError(Error):
    referenced_by: list[References] = strawberry.field(
        default_factory=list, description="Who still uses the resource (REST's `referencedBy`)."
    )


@strawberry.type(
    description="`expectedVersion` is stale: read the resource again, retry with `currentVersion`."
)
class VersionMismatchError(Error):
    current_version: int


@strawberry.type(
    description="The profile's remote system refused (credentials), could not be reached, failed or did "
    "not answer in time (REST's 502); `message` says which."
)
class RemoteError(Error):
    pass


class _Handler:
    """Base of the handlers below: strawberry applies one only to fields whose union has its type."""

    def handle(self, exception: Any, *, field: Any, info: Any) -> Any:
        return to_error_type(exception)


class ValidationFailedHandler(
    _Handler, strawberry.ExceptionHandler[errors.ValidationFailed, ValidationError]
):
    pass


class NotFoundHandler(_Handler, strawberry.ExceptionHandler[errors.NotFound, NotFoundError]):
    pass


class ConflictHandler(_Handler, strawberry.ExceptionHandler[errors.Conflict, ConflictError]):
    pass


class VersionMismatchHandler(
    _Handler, strawberry.ExceptionHandler[errors.VersionMismatch, VersionMismatchError]
):
    pass


class RemoteFailedHandler(_Handler, strawberry.ExceptionHandler[errors.RemoteFailed, RemoteError]):
    pass


class InputValidationHandler(strawberry.ExceptionHandler[InputValidationError, ValidationError]):
    """A contract input (`strawberry.pydantic.input`) that failed validation: REST's pointers and words."""

    def handle(self, exception: InputValidationError, *, field: Any, info: Any) -> ValidationError:
        found = [error_at(e.type, _body_location(e.location), e.message) for e in exception.errors]
        failed = errors.ValidationFailed(summary(found), errors=list(dict.fromkeys(found)))
        error = to_error_type(failed)
        assert isinstance(error, ValidationError)
        return error


# Arguments that stand for REST's whole body; any other (a bulk action's `filter`) is a member of it.
BODY_ARGUMENTS = frozenset({"input", "patch"})


def _body_location(location: Any) -> tuple[Any, ...]:
    parts = tuple(location)
    return parts[1:] if parts and parts[0] in BODY_ARGUMENTS else parts


EXCEPTION_HANDLERS = (
    InputValidationHandler(),
    ValidationFailedHandler(),
    NotFoundHandler(),
    ConflictHandler(),
    VersionMismatchHandler(),
    RemoteFailedHandler(),
)


def to_error_type(exc: errors.EzyError) -> Error | None:
    """The expected-error type for `exc`, or None for a branch that is never a union member."""
    if isinstance(exc, errors.ValidationFailed):
        fields = [FieldError(pointer=e.pointer, message=e.message) for e in exc.errors]
        return ValidationError(message=exc.detail, field_errors=fields)
    if isinstance(exc, errors.NotFound):
        return NotFoundError(message=exc.detail)
    if isinstance(exc, errors.Conflict):
        users = exc.extra.get("referencedBy") or {}
        refs = [References(kind=kind, ids=[strawberry.ID(i) for i in ids]) for kind, ids in users.items()]
        return ConflictError(message=exc.detail, referenced_by=refs)
    if isinstance(exc, errors.VersionMismatch):
        return VersionMismatchError(message=exc.detail, current_version=exc.current_version)
    if isinstance(exc, errors.RemoteFailed):
        return RemoteError(message=exc.detail)
    return None


def top_level_code(exc: errors.EzyError) -> str:
    for cls in type(exc).__mro__:
        if cls in TOP_LEVEL_CODES:
            return TOP_LEVEL_CODES[cls]
    return "BAD_USER_INPUT"


def top_level_error(error: GraphQLError, exc: errors.EzyError) -> GraphQLError:
    """A domain error that reached the top: its detail (written for clients) and a code."""
    extensions: dict[str, Any] = {"code": top_level_code(exc), **exc.extra}
    if exc.errors:
        extensions["fieldErrors"] = [e.as_dict() for e in exc.errors]
    return GraphQLError(
        exc.detail,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
