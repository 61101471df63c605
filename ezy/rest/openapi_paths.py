"""The configuration operations of api.md: API keys, profiles, mappings, instances, schedules, webhooks.

Find an operation by its path here (runs, the DLQ, the receiver and sync events are in
`openapi_runs.py`); its shapes are in `openapi_schemas.py`/`openapi_documents.py`, and the problems
every route of its shape can answer are derived in `openapi_build.Api.add`.
"""

from __future__ import annotations

from ezy.connections import kinds as connection_kinds
from ezy.instances.contracts import InstanceFilter
from ezy.rest.openapi_build import (
    NO_CONTENT,
    Api,
    Op,
    Schema,
    created,
    param_ref,
    query,
    ref,
    reply,
    with_etag,
)
from ezy.rest.openapi_models import query_params
from ezy.rest.openapi_schemas import NAME, UUID, obj
from ezy.schedules.contracts import ScheduleFilter
from ezy.webhooks.models import DeliveryStatus, WebhookProvider

V1 = "/api/v1"
PAGE = [param_ref("Page"), param_ref("PageSize")]
EMPTY = obj({}, description="An empty body, or `{}`.")


def only(name: str, schema: Schema) -> Schema:
    """A list filter: only the items whose `name` equals the given value."""
    return query(name, schema, f"Only those with this `{name}`.")


def only_one_of(name: str, values: list[str]) -> Schema:
    return only(name, {"type": "string", "enum": values})


BY_INSTANCE = only("instanceId", UUID)


def config_resource(
    api: Api,
    tag: str,
    path: str,
    name: str,
    *,
    filters: tuple[Schema, ...] = (),
    create_reply: str | None = None,
    referenced: bool = False,
    named: bool = False,
) -> None:
    """List, create, get, replace, merge-patch and delete a configuration resource (with ETags).

    `filters`: query parameters of the list (an unknown one is `400`).
    `referenced`: others may use it, so a delete can be `409` (with the referencing ids).
    `named`: names are unique per tenant, so a create or an update can be `409`.
    """
    what = tag.lower().removesuffix("s")
    one = f"{path}/{{id}}"
    unique = (409,) if named else ()
    for op in (
        Op(
            "GET",
            path,
            f"list{name}s",
            f"List {what}s",
            {"200": reply("A page, newest first.", api.paged(name))},
            params=PAGE + list(filters),
        ),
        Op(
            "POST",
            path,
            f"create{name}",
            f"Create a {what}",
            created("Created.", ref(create_reply or name)),
            body=ref(f"{name}Input"),
            problems=unique,
        ),
        Op("GET", one, f"get{name}", f"Get a {what}", {"200": with_etag("The resource.", ref(name))}),
        Op(
            "PUT",
            one,
            f"replace{name}",
            f"Replace a {what}",
            {"200": with_etag("Replaced.", ref(name))},
            body=ref(f"{name}Input"),
            if_match=True,
            problems=unique,
        ),
        Op(
            "PATCH",
            one,
            f"update{name}",
            f"Update a {what} (JSON Merge Patch)",
            {"200": with_etag("Updated.", ref(name))},
            body=ref(f"{name}Patch"),
            merge_patch=True,
            if_match=True,
            problems=unique,
        ),
        Op(
            "DELETE",
            one,
            f"delete{name}",
            f"Delete a {what}",
            NO_CONTENT,
            if_match=True,
            problems=(409,) if referenced else (),
        ),
    ):
        api.add(tag, op)


def api_keys(api: Api) -> None:
    tag, path, one = "API keys", f"{V1}/api-keys", f"{V1}/api-keys/{{id}}"
    with_secret = ref("ApiKeyWithSecret")
    api.add(
        tag,
        Op(
            "GET",
            path,
            "listApiKeys",
            "List API keys",
            {"200": reply("A page.", api.paged("ApiKey"))},
            params=PAGE,
            description="Lists show the prefix, never the secret.",
        ),
    )
    api.add(
        tag,
        Op(
            "POST",
            path,
            "createApiKey",
            "Create an API key",
            created("Created; `key` is shown this once.", with_secret, etag=False),
            body=ref("ApiKeyInput"),
        ),
    )
    api.add(tag, Op("GET", one, "getApiKey", "Get an API key", {"200": reply("The key.", ref("ApiKey"))}))
    api.add(tag, Op("DELETE", one, "revokeApiKey", "Revoke an API key", NO_CONTENT))
    api.add(
        tag,
        Op(
            "POST",
            f"{one}/rotate",
            "rotateApiKey",
            "Rotate an API key",
            {"200": reply("A new secret, shown this once.", with_secret)},
            body=ref("ApiKeyRotation"),
            body_required=False,
            description="The old secret stops working after `gracePeriodSeconds` (default: at once).",
        ),
    )


def connection_profiles(api: Api) -> None:
    tag, path = "Connection profiles", f"{V1}/connection-profiles"
    by_kind = (only_one_of("kind", connection_kinds.kinds()),)
    config_resource(api, tag, path, "ConnectionProfile", filters=by_kind, referenced=True, named=True)
    api.add(
        tag,
        Op(
            "POST",
            f"{path}/{{id}}/test",
            "testConnectionProfile",
            "Test a connection",
            {"200": reply("The outcome.", ref("ConnectionTestResult"))},
            body=EMPTY,
            body_required=False,
            description="A failed connection is `200` with `ok: false` and the reason in `detail`.",
        ),
    )
    api.add(
        tag,
        Op(
            "POST",
            f"{path}/{{id}}/sample",
            "sampleConnectionProfileRecords",
            "Sample records from a source",
            {
                "200": reply(
                    "The first records of the resource, as a run would extract them.", ref("RecordSample")
                )
            },
            body=ref("SampleRequest"),
            problems=(502,),
            description=(
                "Reads the first page of `resource` through the profile (at most `limit` records, "
                "within 10 s) to preview a mapping over real records: nothing is written and no "
                "cursor moves. `422`: an unknown resource (for kinds that list theirs), or a private "
                "address this deployment refuses. `502`: the remote system refused the credentials, "
                "could not be reached, failed or did not answer in time; `detail` says which."
            ),
        ),
    )


def mapping_configurations(api: Api) -> None:
    tag, path = "Mapping configurations", f"{V1}/mapping-configurations"
    by_name = (only("name", NAME),)
    config_resource(api, tag, path, "MappingConfiguration", filters=by_name, referenced=True, named=True)
    preview = {"200": reply("Per record: each stage's output, and where it stopped.", ref("PreviewResult"))}
    api.add(
        tag,
        Op(
            "POST",
            f"{path}/{{id}}/preview",
            "previewMappingConfiguration",
            "Preview a saved mapping",
            preview,
            body=ref("PreviewInput"),
        ),
    )
    api.add(
        tag,
        Op(
            "POST",
            f"{path}/preview",
            "previewMappingDocument",
            "Preview an unsaved mapping document",
            preview,
            body=ref("UnsavedPreviewInput"),
        ),
    )


def instances(api: Api) -> None:
    tag, path = "Instances", f"{V1}/instances"
    filters = tuple(query_params(InstanceFilter))
    config_resource(api, tag, path, "Instance", filters=filters, referenced=True, named=True)
    for action, effect in (("activate", "runs on its triggers"), ("deactivate", "runs nothing")):
        api.add(
            tag,
            Op(
                "POST",
                f"{path}/{{id}}/{action}",
                f"{action}Instance",
                f"{action.capitalize()} an instance",
                {"200": with_etag(f"The instance, which now {effect}.", ref("Instance"))},
                body=EMPTY,
                body_required=False,
                if_match=True,
            ),
        )


def schedules(api: Api) -> None:
    filters = tuple(query_params(ScheduleFilter))
    config_resource(api, "Schedules", f"{V1}/schedules", "Schedule", filters=filters)


def webhook_endpoints(api: Api) -> None:
    tag, path = "Webhook endpoints", f"{V1}/webhook-endpoints"
    filters = (BY_INSTANCE, only_one_of("provider", [p.value for p in WebhookProvider]))
    config_resource(
        api, tag, path, "WebhookEndpoint", filters=filters, create_reply="WebhookEndpointWithSecret"
    )
    api.add(
        tag,
        Op(
            "GET",
            f"{path}/{{id}}/deliveries",
            "listWebhookDeliveries",
            "List an endpoint's deliveries",
            {"200": reply("A page, newest first.", api.paged("WebhookDelivery"))},
            params=[*PAGE, only_one_of("status", [s.value for s in DeliveryStatus])],
        ),
    )
