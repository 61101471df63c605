"""Each path compiles a mapping's expressions once: saving, previewing (saved or not) and running.

Compiling is the slow part of starting a run or a preview (an interpreted expression is parsed and
code-generated); these tests count compilations, not time.
"""

from __future__ import annotations

from typing import Any

import httpx

from ezy.pipeline import MemoryJournal, preview, run_pipeline
from ezy.pipeline.mapping import compile_mapping
from ezy.runs.executor import execute
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from tests import resources as r
from tests.compilations import Compilations
from tests.conftest import TestTenant
from tests.runs.conftest import make_instance

from .fakes import MemorySource, MemoryTarget

FIELDS = {"externalId": "$string(id)", "title": "$trim(title)", "price": "$number(variants[0].price)"}
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "batchSize": 3},
    "transform": {"key": "$string(id)", "filter": "id > 0", "fields": FIELDS},
    "load": {"resource": "items", "keys": ["externalId"], "batchSize": 3},
}
EXPRESSIONS = ["$string(id)", "id > 0", *FIELDS.values()]  # the key and a field share a source
RECORDS = [{"id": i, "title": f" item {i} ", "variants": [{"price": "1.5"}]} for i in range(1, 8)]


def compiled_once(
    seen: Compilations, expressions: list[str], fields: dict[str, str], *, evaluated: bool = True
) -> None:
    """Every expression compiled as often as the document holds it; the fields function once when
    records were evaluated (saving only checks the mapping)."""
    expected = {source: expressions.count(source) for source in expressions}
    assert dict(seen.expressions) == expected
    # As sets: PostgreSQL's jsonb keeps an object's members in an order of its own.
    assert [set(names) for names in seen.fields] == ([set(fields)] if evaluated else [])


async def test_a_run_compiles_each_expression_once_across_its_pages(compilations: Compilations) -> None:
    target = MemoryTarget()
    stats = await run_pipeline(MemorySource(RECORDS), target, DOCUMENT, MemoryJournal())
    assert stats.counts()["success"] == len(RECORDS) and len(target.rows) == len(RECORDS)
    compiled_once(compilations, EXPRESSIONS, FIELDS)


async def test_runs_given_a_compiled_mapping_compile_nothing(compilations: Compilations) -> None:
    """A replay or a webhook batch runs its chunks with the mapping the executor compiled."""
    mapping = compile_mapping(DOCUMENT)
    compilations.reset()
    for chunk in (RECORDS[:3], RECORDS[3:]):
        await run_pipeline(
            None, MemoryTarget(), mapping, MemoryJournal(), records=chunk, start_stage="normalize"
        )
    # No expression again; the fields function at the first chunk, which the next one reuses.
    assert not compilations.expressions and [set(f) for f in compilations.fields] == [set(FIELDS)]


def test_a_preview_compiles_each_expression_once(compilations: Compilations) -> None:
    (result,) = preview(DOCUMENT, RECORDS[:1])
    assert result["output"] == {"externalId": "1", "title": "item 1", "price": 1.5}
    assert result["fields"]["price"] == {"value": 1.5, "compiled": "compiled", "error": None}
    compiled_once(compilations, EXPRESSIONS, FIELDS)


async def test_an_executed_run_compiles_each_expression_once(
    compilations: Compilations, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id, count=12, document=DOCUMENT)
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    compilations.reset()
    await execute(str(run.id))
    log = await SyncLog.get(id=run.id)
    assert log.status == "succeeded" and log.total == 12, (log.status, log.error)
    compiled_once(compilations, EXPRESSIONS, FIELDS)


async def test_an_unsaved_preview_and_a_save_each_compile_once(
    client: httpx.AsyncClient, tenant: TestTenant, compilations: Compilations
) -> None:
    body = {"document": DOCUMENT, "records": RECORDS[:2]}
    answer = await client.post(f"{r.API}/mapping-configurations/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    assert [one["output"]["externalId"] for one in answer.json()["results"]] == ["1", "2"]
    compiled_once(compilations, EXPRESSIONS, FIELDS)
    compilations.reset()
    saved = await r.post(client, tenant, "/mapping-configurations", r.mapping_body(document=DOCUMENT))
    compiled_once(compilations, EXPRESSIONS, FIELDS, evaluated=False)
    compilations.reset()
    answer = await client.post(
        f"{r.API}/mapping-configurations/{saved['id']}/preview",
        json={"records": RECORDS[:1]},
        headers=tenant.headers,
    )
    assert answer.status_code == 200, answer.text
    compiled_once(compilations, EXPRESSIONS, FIELDS)
