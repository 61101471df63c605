"""API keys as clients create, rotate and read them (REST, GraphQL and OpenAPI derive from these).

The secret is shown once, in the create and rotate answers (`ApiKeyWithSecret`); a key is otherwise
known by its public prefix (`ezy_...`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from pydantic import Field, StrictInt, field_validator

from ezy.contract import Contract, Name, Timestamp, View
from ezy.timefmt import utcnow

MAX_GRACE_PERIOD = timedelta(days=30)


class ApiKeyInput(Contract):
    """A new key: its name and, optionally, when it expires."""

    name: Name = Field(description="A label for you; names need not be unique.")
    expires_at: Timestamp | None = Field(default=None, description="In the future; never when omitted.")

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value <= utcnow():
            raise ValueError("must be in the future")
        return value


class ApiKeyRotation(Contract):
    """A new secret for a key; the old one keeps working for the grace period only."""

    grace_period_seconds: StrictInt | None = Field(
        default=None,
        ge=0,
        le=int(MAX_GRACE_PERIOD.total_seconds()),
        description="How long the old secret keeps working: 0 to 30 days.",
    )

    @property
    def grace_period(self) -> timedelta:
        return timedelta(seconds=self.grace_period_seconds or 0)


class ApiKeyView(View):
    """An API key of your tenant; only its prefix is ever shown again."""

    id: UUID
    name: str
    prefix: str = Field(description="The start of the key (`ezy_...`); the secret is never listed.")
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class ApiKeyWithSecret(ApiKeyView):
    """A key with its secret, shown this once (create and rotate answers)."""

    key: str = Field(description="The secret, shown this once: use it as `ApiKey <key>`.")
