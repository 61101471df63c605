"""API keys: list, read, create, rotate, revoke. The secret appears once, in the create/rotate payload."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.tenants import keys
from ezy.tenants.models import ApiKey as ApiKeyRow
from ezy.validation import required_str
from schema.common import Page, PageArg, PageSizeArg, or_none, page_request, to_body
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError


@strawberry.type(description="An API key of your tenant; only its prefix is ever shown again.")
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            prefix=str(keys.key_view(row)["prefix"]),
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="A new secret: `key` is shown this once and cannot be read again.")
class IssuedApiKey:
    api_key: ApiKey
    key: str

    @classmethod
    def from_issued(cls, issued: keys.IssuedKey) -> IssuedApiKey:
        return cls(api_key=ApiKey.from_row(issued.key), key=issued.secret)


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey


@strawberry.input
class CreateApiKeyInput:
    name: str
    expires_at: datetime | None = strawberry.UNSET


@strawberry.input
class RotateApiKeyInput:
    grace_period_seconds: int | None = strawberry.field(
        default=strawberry.UNSET, description="How long the old secret keeps working: 0 to 30 days."
    )


CreateApiKeyResult = Annotated[IssuedApiKey | ValidationError, strawberry.union("CreateApiKeyResult")]
RotateApiKeyResult = Annotated[
    IssuedApiKey | ValidationError | NotFoundError | ConflictError, strawberry.union("RotateApiKeyResult")
]
RevokeApiKeyResult = Annotated[RevokeApiKeyPayload | NotFoundError, strawberry.union("RevokeApiKeyResult")]


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(description="Your tenant's API keys, newest first.")
    async def api_keys(
        self, info: Info, page: PageArg = 1, page_size: PageSizeArg = DEFAULT_PAGE_SIZE
    ) -> Page[ApiKey]:
        rows = await keys.list_keys(info.context.ctx, page_request(page, page_size))
        return Page.of(rows, ApiKey.from_row)

    @strawberry.field(description="One API key; null when your tenant has no key with this id.")
    async def api_key(self, info: Info, id: strawberry.ID) -> ApiKey | None:
        row = await or_none(keys.get_key(info.context.ctx, id))
        return ApiKey.from_row(row) if row else None


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(description="A new key; the payload's `key` is the secret, shown this once.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyResult:
        # The same field check as REST's body, so the same message and pointer.
        name = required_str(to_body(input), "name", max_length=200)
        issued = await keys.create_key(info.context.ctx, name, input.expires_at or None)
        return IssuedApiKey.from_issued(issued)

    @strawberry.mutation(description="A new secret for the key; the old one works for the grace period only.")
    async def rotate_api_key(
        self, info: Info, id: strawberry.ID, input: RotateApiKeyInput | None = None
    ) -> RotateApiKeyResult:
        grace = (input.grace_period_seconds if input else None) or 0
        return IssuedApiKey.from_issued(await keys.rotate_key(info.context.ctx, id, grace))

    @strawberry.mutation(description="Revokes the key at once (REST's DELETE); revoking twice is harmless.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> RevokeApiKeyResult:
        return RevokeApiKeyPayload(api_key=ApiKey.from_row(await keys.revoke_key(info.context.ctx, id)))
