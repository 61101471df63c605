"""The run operations of api.md: sync logs, the dead letter queue, the webhook receiver, sync events.

(Configuration operations are in `openapi_paths.py`.)
"""

from __future__ import annotations

from ezy.dlq.models import DeadLetterStatus
from ezy.pipeline.records import Stage
from ezy.rest.openapi_build import Api, Op, header, query, ref, reply
from ezy.rest.openapi_paths import BY_INSTANCE, EMPTY, PAGE, V1, only, only_one_of
from ezy.rest.openapi_schemas import TIME


def sync_logs(api: Api) -> None:
    tag, path = "Sync logs", f"{V1}/sync-logs"
    filters = [
        BY_INSTANCE,
        only("status", ref("SyncStatus")),  # the enums' components come from ezy/runs/contracts.py
        only("trigger", ref("SyncTrigger")),
        query("from", TIME, "Only runs started at or after this time."),
        query("to", TIME, "Only runs started before this time."),
    ]
    page = {"200": reply("A page.", api.paged("SyncLog"))}
    api.add(tag, Op("GET", path, "listSyncLogs", "List runs", page, params=PAGE + filters))
    api.add(
        tag,
        Op("GET", f"{path}/{{id}}", "getSyncLog", "Get a run", {"200": reply("The run.", ref("SyncLog"))}),
    )
    errors = {"200": reply("A page.", api.paged("EntityError"))}
    api.add(
        tag,
        Op("GET", f"{path}/{{id}}/errors", "listSyncLogErrors", "List a run's errors", errors, params=PAGE),
    )


def dead_letters(api: Api) -> None:
    tag, path = "Dead letter queue", f"{V1}/dlq"
    filters = [
        BY_INSTANCE,
        only_one_of("status", [s.value for s in DeadLetterStatus]),
        only_one_of("stage", [s.value for s in Stage]),
        only("code", {"type": "string"}),
        query("from", TIME, "Only messages stored at or after this time."),
        query("to", TIME, "Only messages stored before this time."),
    ]
    page = {"200": reply("A page.", api.paged("DeadLetter"))}
    api.add(tag, Op("GET", path, "listDeadLetters", "List dead letters", page, params=PAGE + filters))
    one = {"200": reply("Source and mapped payloads, error, attempts and history.", ref("DeadLetter"))}
    api.add(tag, Op("GET", f"{path}/{{id}}", "getDeadLetter", "Get a dead letter", one))
    api.add(
        tag,
        Op(
            "POST",
            f"{path}/{{id}}/replay",
            "replayDeadLetter",
            "Replay a dead letter",
            {"202": reply("A run with trigger `replay` was queued.", ref("ReplayAccepted"))},
            body=ref("DeadLetterReplay"),
            body_required=False,
            idempotency_key=True,
            problems=(409,),
            description="Runs the source record, or an edited `payload` in the source's shape, from "
            "normalize with the instance's current mapping. `409` unless the message is `pending`, "
            "and for a legacy message (no source record) replayed without a `payload`.",
        ),
    )
    api.add(
        tag,
        Op(
            "POST",
            f"{path}/{{id}}/discard",
            "discardDeadLetter",
            "Discard a dead letter",
            {"200": reply("Discarded.", ref("DeadLetter"))},
            body=EMPTY,
            body_required=False,
            problems=(409,),
        ),
    )
    for action, idempotent in (("replay", True), ("discard", False)):
        api.add(
            tag,
            Op(
                "POST",
                f"{path}/{action}",
                f"{action}DeadLetters",
                f"{action.capitalize()} dead letters in bulk",
                {"202": reply("How many messages were taken.", ref("BulkAccepted"))},
                body=ref("DeadLetterBulk"),
                idempotency_key=idempotent,
            ),
        )


SIGNATURE_HEADERS = [
    header("X-Shopify-Hmac-Sha256", "shopify: base64(HMAC-SHA256(secret, raw body))."),
    header("X-Shopify-Topic", "shopify: the topic, e.g. `products/update`."),
    header("X-Shopify-Webhook-Id", "shopify: deduplication id; a repeat is `200` and processed once."),
    header("webhook-id", "generic (Standard Webhooks): message id; a repeat is not processed twice."),
    header("webhook-timestamp", "generic: Unix seconds; 5 minutes of tolerance."),
    header("webhook-signature", 'generic: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.'),
]


def webhook_receiver(api: Api) -> None:
    api.add(
        "Webhook receiver",
        Op(
            "POST",
            f"{V1}/webhooks/{{endpointId}}",
            "receiveWebhook",
            "Receive a delivery",
            {
                "200": reply("shopify: received (or recorded as skipped)."),
                "202": reply("generic: stored, to be processed.", ref("WebhookAccepted")),
            },
            params=SIGNATURE_HEADERS,
            body={"description": "Any JSON: an object, or an array of records."},
            any_media_type=True,
            public=True,
            problems=(401, 413, 415, 429),
            # No key needed (a signature authenticates); a generic endpoint also takes its tenant's key.
            security=[{}, {"ApiKey": []}],
            description="Authenticated by the provider's signature (`401` when bad or missing, nothing "
            "stored), or, for `generic` only, by an `ApiKey` of the endpoint's tenant. The delivery is "
            "stored before the answer. Disabled endpoint, inactive instance, or a Shopify topic outside "
            "`topics`: the usual success answer, and the delivery is recorded as `skipped`. A body may be "
            "sent with `Content-Encoding: gzip` (signed before compression; `413` when it inflates past "
            "the body limit, `415` for other encodings). A repeated `webhook-id` (Shopify: "
            "`X-Shopify-Event-Id` with the topic, else `X-Shopify-Webhook-Id`) is stored as `duplicate` "
            "and not processed. Accepted deliveries are processed in micro-batched runs; each delivery "
            "shows the run that took it (`syncLogId`) once one has.",
        ),
    )


def sync_events(api: Api) -> None:
    tag, path = "Sync events", f"{V1}/sync-events"
    api.add(
        tag,
        Op(
            "POST",
            path,
            "createSyncEvent",
            "Trigger a run",
            {"202": reply("Queued; `Location` follows it.", ref("SyncEventAccepted"), headers=["Location"])},
            body=ref("SyncEventInput"),
            idempotency_key=True,
            problems=(409,),
            description="`409` when the instance is inactive.",
        ),
    )
    progress = {"200": reply("Its progress.", ref("SyncEvent"))}
    api.add(tag, Op("GET", f"{path}/{{correlationId}}", "getSyncEvent", "Follow a triggered run", progress))


def operations(api: Api) -> None:
    tag = "Operations"
    api.add(tag, Op("GET", "/healthz", "healthz", "The process is up", {"200": reply("Up.")}, public=True))
    ready = {"200": reply("Ready."), "503": reply("The database or Redis does not answer.")}
    api.add(tag, Op("GET", "/readyz", "readyz", "The database and Redis answer", ready, public=True))
