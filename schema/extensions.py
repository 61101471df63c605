"""Schema extensions, passed as factories: query limits, and top-level errors that leak nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from graphql import GraphQLError
from starlette.responses import Response
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from ezy.errors import EzyError
from ezy.logs import request_id_var
from ezy.unavailable import RETRY_AFTER, is_unavailable, unavailable_error
from schema.errors import top_level_error

log = logging.getLogger("ezy.graphql")

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


def is_unexpected(error: GraphQLError) -> bool:
    """Neither a GraphQL error (syntax, validation, limits) nor one from the domain's error tree."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | EzyError)


class EzyErrors(SchemaExtension):
    """Domain errors become top-level errors with `extensions.code`; anything else is masked.

    The original of a masked error is logged (see `EzySchema.process_errors`) with the request id
    that the client is given to quote. An unreachable database or Redis is neither: its error has
    code SERVICE_UNAVAILABLE and the HTTP answer is `503` with `Retry-After` (whatever `data` it
    carries), as REST's, so that clients and proxies retry.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [self._rewrite(_unavailable_as_domain(error)) for error in errors]
            if any(top_level_code_of(error) == "SERVICE_UNAVAILABLE" for error in result.errors):
                self._answer_503()

    def _answer_503(self) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if isinstance(response, Response):  # over a WebSocket there is no status to set
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Subscriptions stream results that on_operation never sees: mask and code them too.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._rewrite(error) for error in errors]
        yield

    @staticmethod
    def _rewrite(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, EzyError):
            return top_level_error(error, original)
        if not is_unexpected(error):
            return error
        request_id = request_id_var.get()
        return GraphQLError(
            f"An unexpected error occurred (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _unavailable_as_domain(error: GraphQLError) -> GraphQLError:
    if is_unexpected(error) and error.original_error is not None and is_unavailable(error.original_error):
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=unavailable_error(),
        )
    return error


def top_level_code_of(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def extension_factories() -> list[Callable[[], SchemaExtension]]:
    return [
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        EzyErrors,
    ]
