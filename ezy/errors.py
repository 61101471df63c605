"""The domain's error tree. Services raise these; REST and GraphQL map them in one place each.

EzyError
 ├── InvalidRequest        malformed body or query parameter          (REST 400)
 ├── Unauthenticated       missing/unknown/expired/revoked key         (REST 401)
 ├── NotFound              unknown id, or another tenant's            (REST 404)
 ├── Conflict              referenced, duplicate name, wrong state     (REST 409)
 ├── VersionMismatch       stale If-Match / version                    (REST 412)
 ├── PayloadTooLarge                                                   (REST 413)
 ├── UnsupportedMediaType                                              (REST 415)
 ├── ValidationFailed      field errors with JSON Pointers             (REST 422)
 ├── VersionRequired       If-Match missing                            (REST 428)
 ├── RateLimited                                                       (REST 429)
 ├── RemoteFailed          a profile's remote system refused or failed (REST 502)
 └── ServiceUnavailable    the database or the job queue cannot be reached (REST 503 + Retry-After)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class EzyError(Exception):
    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra or {}


class InvalidRequest(EzyError):
    code = "invalid_request"
    title = "Bad request"


class Unauthenticated(EzyError):
    code = "unauthenticated"
    title = "Unauthorized"


class NotFound(EzyError):
    code = "not_found"
    title = "Not found"


class Conflict(EzyError):
    code = "conflict"
    title = "Conflict"


class VersionMismatch(EzyError):
    """`extra["currentVersion"]` carries the version the client should retry with."""

    code = "version_mismatch"
    title = "Precondition failed"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "The resource was modified since you read it; fetch it again and retry.",
            extra={"currentVersion": current_version},
        )
        self.current_version = current_version


class PayloadTooLarge(EzyError):
    code = "payload_too_large"
    title = "Content too large"


class UnsupportedMediaType(EzyError):
    code = "unsupported_media_type"
    title = "Unsupported media type"


class ValidationFailed(EzyError):
    code = "validation_failed"
    title = "Validation failed"


class VersionRequired(EzyError):
    code = "version_required"
    title = "Precondition required"


class RateLimited(EzyError):
    code = "rate_limited"
    title = "Too many requests"


class RemoteFailed(EzyError):
    """The system a connection profile points at refused, failed or did not answer in time.

    EZY itself is fine and nothing was changed; the detail says why in words, never with a secret.
    """

    code = "remote_failed"
    title = "Bad gateway"


class ServiceUnavailable(EzyError):
    """Nothing was done; the same request may be sent again after `extra["retryAfter"]` seconds."""

    code = "service_unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail, extra={"retryAfter": retry_after})


def invalid(pointer: str, message: str) -> ValidationFailed:
    """A one-field validation failure."""
    return ValidationFailed(message, errors=[FieldError(pointer, message)])
