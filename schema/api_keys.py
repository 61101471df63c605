"""API keys: list, read, create, rotate, revoke. The secret appears once, in the create/rotate payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.tenants import keys
from ezy.tenants.contracts import ApiKeyInput, ApiKeyRotation, ApiKeyView
from ezy.tenants.models import ApiKey as ApiKeyRow
from schema.common import Page, PageArg, PageSizeArg, contract_input, contract_type, or_none, page_request
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError

contract_type(ApiKeyView, "ApiKey")
contract_input(ApiKeyInput, "CreateApiKeyInput")
contract_input(ApiKeyRotation, "RotateApiKeyInput")


def key_of(row: ApiKeyRow) -> ApiKeyView:
    return keys.view(row)


@strawberry.type(description="A new secret: `key` is shown this once and cannot be read again.")
class IssuedApiKey:
    api_key: ApiKeyView
    key: str

    @classmethod
    def from_issued(cls, issued: keys.IssuedKey) -> IssuedApiKey:
        return cls(api_key=key_of(issued.key), key=issued.secret)


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKeyView


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
    ) -> Page[ApiKeyView]:
        rows = await keys.list_keys(info.context.ctx, page_request(page, page_size))
        return Page.of(rows, key_of)

    @strawberry.field(description="One API key; null when your tenant has no key with this id.")
    async def api_key(self, info: Info, id: strawberry.ID) -> ApiKeyView | None:
        row = await or_none(keys.get_key(info.context.ctx, id))
        return key_of(row) if row else None


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(description="A new key; the payload's `key` is the secret, shown this once.")
    async def create_api_key(self, info: Info, input: ApiKeyInput) -> CreateApiKeyResult:
        return IssuedApiKey.from_issued(await keys.create_key(info.context.ctx, input))

    @strawberry.mutation(description="A new secret for the key; the old one works for the grace period only.")
    async def rotate_api_key(
        self, info: Info, id: strawberry.ID, input: ApiKeyRotation | None = None
    ) -> RotateApiKeyResult:
        rotation = input or ApiKeyRotation()
        return IssuedApiKey.from_issued(await keys.rotate_key(info.context.ctx, id, rotation))

    @strawberry.mutation(description="Revokes the key at once (REST's DELETE); revoking twice is harmless.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> RevokeApiKeyResult:
        return RevokeApiKeyPayload(api_key=key_of(await keys.revoke_key(info.context.ctx, id)))
