"""GraphQL execution with a short way for plain fields: what a page of views is mostly made of.

graphql-core completes every field alike: a path, a resolve info, strawberry's resolver wrapper, an
awaitable check, then the completion by type (about 47 Python calls a field). Most fields of a
listed item are plain: no resolver of their own (the view's attribute, read by strawberry's default
resolver), no arguments, and a scalar or enum, or an object made only of such fields (a sync log's
`counts`). Those are read and coerced here directly, in the order graphql-core would, by the same
calls (the default resolver, the type's `coerce_output_value`). A relation field marked with
`schema.loaders.relation_field` (an instance's `sourceProfile`) counts as plain once its row is
loaded (a page's prefetch): the converted row, read as its resolver would, then completed as a plain
object; a row not loaded yet takes the resolver's way. Everything else runs graphql-core's
own code: fields with resolvers, lists, unions, `__typename`, deferred fragments, and any value that
is not ordinary (null where null is not allowed, an awaitable, an exception, a failed coercion),
so errors, their paths and null propagation are graphql-core's.

A list of objects is completed here too (`complete_iterable_value`): each ordinary item goes
straight to `execute_fields` with the subfields collected once for the list, which is what
graphql-core reaches through five calls per item (list item, value, non-null, object, subfields).
Null, awaitable and exception items, streamed lists and types that check their values take
graphql-core's own way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import collect_iterator_awaitables
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from schema.loaders import ByIdLoader, Relation, relation_of

# Exact types whose values are never awaitable nor exceptions: no need to ask (a Python call).
_SETTLED: frozenset[type] = frozenset({str, int, float, bool, uuid.UUID, datetime, date})

# Strawberry's wrapper for a field without a resolver, permission or extension (`is_basic_field`).
_BASIC_RESOLVER = "_get_basic_result"


class _Plain(NamedTuple):
    """How to answer one plain field: read `name` with `read`, then coerce (`leaf`) or go into `object`."""

    read: Callable[[Any, str], Any]
    name: str
    return_type: GraphQLOutputType
    nullable: bool
    leaf: GraphQLLeafType | None
    object: GraphQLObjectType | None
    fields: GroupedFieldSet | None  # the object's own fields, plain too
    # A relation (`name` its key): this request's loader and the row's conversion.
    loader: ByIdLoader[Any] | None = None
    convert: Callable[[Any], Any] | None = None


# (response name, its field details, how to answer it when plain, else None)
Plan = list[tuple[str, FieldDetailsList, _Plain | None]]


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Plans of the field sets executed (graphql-core memoizes them per type and selection, so
        # the items of a list share one); each kept with its field set so the id is not reused.
        self._plans: dict[int, tuple[GroupedFieldSet, Plan]] = {}
        # Middleware wraps every resolver (strawberry passes a manager, empty unless an extension
        # resolves): with any, every field takes graphql-core's way.
        manager = self.middleware_manager
        self._wrapped_resolvers = manager is not None and bool(manager.middlewares)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if position_context is not None or self._wrapped_resolvers:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        kept = self._plans.get(id(grouped_field_set))  # `_plan`'s look-up, inline: once per item
        if kept is not None and kept[0] is grouped_field_set:
            plan = kept[1]
        else:
            plan = self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plain in plan:
                if plain is not None and plain.leaf is not None:  # inline: most fields are these
                    try:
                        value = plain.read(source_value, plain.name)
                        if value is None or value is Undefined:
                            if plain.nullable:
                                results[response_name] = None
                                continue
                        elif type(value) in _SETTLED or not (
                            isinstance(value, Exception) or is_awaitable(value)
                        ):
                            coerced = plain.leaf.coerce_output_value(value)
                            if coerced is not None and coerced is not Undefined:
                                results[response_name] = coerced
                                continue
                    except Exception:  # graphql-core answers it below, error and all
                        pass
                elif plain is not None:
                    answered, value = self._object(
                        plain, source_value, path, response_name, field_details_list
                    )
                    if answered:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:  # graphql-core's own
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if (
            position_context is not None
            or self._wrapped_resolvers
            or not isinstance(named, GraphQLObjectType)
            or named.is_type_of is not None
            or type(items) not in (list, tuple)
            or self.get_stream_usage(field_details_list, path) is not None
        ):
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        collected = self.collect_subfields(named, field_details_list)
        if collected.new_defer_usages:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        grouped_field_set = collected.grouped_field_set
        is_awaitable = self.is_awaitable
        execute_fields = self.execute_fields
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        iterator = iter(items)
        try:
            for index, item in enumerate(iterator):
                item_path = path.add_key(index, None)
                if item is None or item is Undefined or isinstance(item, Exception) or is_awaitable(item):
                    # graphql-core's own way, as its loop takes it (null and error handling)
                    if is_awaitable(item):
                        completed.append(
                            self.complete_awaitable_list_item_value(
                                item, item_type, field_details_list, info, item_path, None
                            )
                        )
                        awaitable_indices.append(index)
                    elif self.complete_list_item_value(
                        item, completed, item_type, field_details_list, info, item_path, None
                    ):
                        awaitable_indices.append(index)
                    continue
                try:  # what complete_value -> complete_object_value reach for an object
                    value = execute_fields(named, item, item_path, grouped_field_set, None)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    value = None
                else:
                    if is_awaitable(value):
                        value = self._awaited_item(value, item_type, field_details_list, item_path)
                        awaitable_indices.append(index)
                completed.append(value)
        except Exception:  # as graphql-core: what is pending, and the rest's awaitables, settle
            pending = [completed[index] for index in awaitable_indices]
            pending.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed

        async def get_completed_results() -> list[Any]:  # graphql-core's own
            if len(awaitable_indices) == 1:
                index = awaitable_indices[0]
                completed[index] = await completed[index]
            else:
                awaited = await gather_with_cancel(*(completed[index] for index in awaitable_indices))
                for index, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed[index] = sub_result
            return completed

        return get_completed_results()

    async def _awaited_item(
        self, pending: Any, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path
    ) -> Any:
        """As graphql-core's `complete_list_item_value` awaits a completed item: an error is nulled."""
        try:
            return await pending
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, path)
            return None

    def _object(
        self,
        plain: _Plain,
        source: Any,
        path: Path | None,
        response_name: str,
        field_details_list: FieldDetailsList,
    ) -> tuple[bool, Any]:
        """(True, the completed object), or (False, None) for graphql-core to answer the field itself."""
        try:
            value = plain.read(source, plain.name)
            if plain.loader is not None:
                value = plain.loader.now(value, plain.convert)  # type: ignore[arg-type]
                if value is None:  # not loaded yet (or missing): the resolver's own way
                    return False, None
        except Exception:
            return False, None
        if value is None or value is Undefined:
            return plain.nullable, None
        if isinstance(value, Exception) or self.is_awaitable(value):
            return False, None
        assert plain.object is not None and plain.fields is not None
        field_path = Path(path, response_name, plain.object.name)
        try:  # its fields are all plain: answered at once, never awaitable
            return True, self.execute_fields(plain.object, value, field_path, plain.fields, None)
        except Exception as raw_error:  # as graphql-core's execute_field: null here, or raised on
            self.handle_field_error(raw_error, plain.return_type, field_details_list, field_path)
            return True, None

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        kept = self._plans.get(id(grouped_field_set))
        if kept is not None and kept[0] is grouped_field_set:
            return kept[1]
        plan: Plan = [
            (name, details, self._plain(parent_type, details)) for name, details in grouped_field_set.items()
        ]
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def _plain(self, parent_type: GraphQLObjectType, details: FieldDetailsList) -> _Plain | None:
        node = details[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None or field_def.args or node.arguments:
            return None
        field = (field_def.extensions or {}).get("strawberry-definition")
        if not isinstance(field, StrawberryField):
            return None
        relation = _relation(field)
        basic = getattr(field_def.resolve, "__name__", None) == _BASIC_RESOLVER and field.is_basic_field
        if not basic and relation is None:
            return None
        return_type = field_def.type
        nullable = not isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        read = field.default_resolver
        if is_leaf_type(named):
            if relation is not None:
                return None
            return _Plain(read, field.python_name, return_type, nullable, named, None, None)
        loader, name = None, field.python_name
        if relation is not None:
            try:  # the request's loader, once for all the items
                loader, name = relation.loader(self.context_value.loaders), relation.key
            except Exception:
                return None
        if not is_object_type(named) or named.is_type_of is not None:
            return None  # lists, unions and interfaces, or a type that checks its values
        collected = self.collect_subfields(named, details)
        if collected.new_defer_usages:
            return None
        sub_plan = self._plan(named, collected.grouped_field_set)
        if any(plain is None or plain.loader is not None for _, _, plain in sub_plan):
            # A resolver inside (a relation's too: it may need a load, so the object may be
            # awaitable): graphql-core completes it.
            return None
        return _Plain(
            getattr if relation is not None else read,
            name,
            return_type,
            nullable,
            None,
            named,
            collected.grouped_field_set,
            loader,
            None if relation is None else relation.convert,
        )


def _relation(field: StrawberryField) -> Relation[Any, Any] | None:
    """The relation a resolver answers (`schema.loaders.relation_field`), when nothing wraps it.

    Exception handlers need no check: the short way answers only a row loaded and converted already.
    """
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.permission_classes or resolver.is_async:
        return None
    return relation_of(resolver.wrapped_func)
