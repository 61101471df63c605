"""The schema's extension: query limits, cached documents, errors that leak nothing.

One extension, not one per concern: strawberry looks up every hook of every extension and wraps
each implemented one in a context manager, per request (about a tenth of `{ __typename }`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeGuard

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from starlette.responses import Response
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit
from strawberry.schema.schema import validate_document

from ezy.errors import EzyError
from ezy.logs import request_id_var
from ezy.unavailable import RETRY_AFTER, is_unavailable, unavailable_error
from schema.errors import top_level_error

log = logging.getLogger("ezy.graphql")

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
# Distinct documents kept parsed and validated; dashboards repeat a handful of queries. A longer
# text is parsed and validated each time: 256 entries of at most 16 KiB bound the cache's memory.
DOCUMENT_CACHE_SIZE = 256
MAX_CACHED_QUERY_CHARS = 16 * 1024

# Built once, not per request: the same rule classes make a repeated document's validation cacheable.
LIMIT_RULES: tuple[type[ASTValidationRule], ...] = (depth_limit(MAX_DEPTH, None), alias_limit(MAX_ALIASES))


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def _parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)  # a syntax error raises, so it is never cached


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def _validate(
    schema: GraphQLSchema, query: str, max_tokens: int | None, rules: tuple[type[ASTValidationRule], ...]
) -> tuple[GraphQLError, ...]:
    return tuple(validate_document(schema, _parse(query, max_tokens), rules))


def _cacheable(query: str | None) -> TypeGuard[str]:
    return bool(query) and len(query or "") <= MAX_CACHED_QUERY_CHARS


def is_unexpected(error: GraphQLError) -> bool:
    """Neither a GraphQL error (syntax, validation, limits) nor one from the domain's error tree."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | EzyError)


class EzyExtension(SchemaExtension):
    """Limits: a document of at most `MAX_TOKENS` tokens (a parse option), `MAX_DEPTH` deep, with
    at most `MAX_ALIASES` aliases (validation rules), as strawberry's MaxTokensLimiter and
    AddValidationRules set them.

    Cached documents: parsing and validation of a document text done once, then reused (keyed by
    the text). Validation includes the depth and alias limits; the token limit is part of the key.

    Errors: domain errors become top-level errors with `extensions.code`; anything else is masked.
    The original of a masked error is logged (see `EzySchema.process_errors`) with the request id
    that the client is given to quote. An unreachable database or Redis is neither: its error has
    code SERVICE_UNAVAILABLE and the HTTP answer is `503` with `Retry-After` (whatever `data` it
    carries), as REST's, so that clients and proxies retry.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + LIMIT_RULES
        yield
        result = context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [self._rewrite(_unavailable_as_domain(error)) for error in errors]
            if any(top_level_code_of(error) == "SERVICE_UNAVAILABLE" for error in result.errors):
                self._answer_503()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and _cacheable(context.query):
            try:
                context.graphql_document = _parse(context.query, context.parse_options.get("max_tokens"))
            except GraphQLError:
                pass  # strawberry parses it again and answers the syntax error as usual
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if _cacheable(context.query) and context.pre_execution_errors is None:
            errors = _validate(
                context.schema._schema,
                context.query,
                context.parse_options.get("max_tokens"),
                context.validation_rules,
            )
            context.pre_execution_errors = list(errors)
        yield

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
    return [EzyExtension]
