"""Kafka databases: the Kafka cluster behind one database of a catalog, one table per topic.

Databases live in their catalog (namespace = the catalog's name). A database's
Kafka cluster is not contacted when it is created: no broker needs to run for
its tables to be listed (see `kafkatables.topics`). `ddlEnvironments` is kept
and answered; scurry's Kafka catalogs are read-only (no DDL runs on them), so
it grants nothing yet.
"""

from __future__ import annotations

from typing import Any

from scurry.errors import NotFound
from scurry.models.kafkacatalog import (
    AccessStatus,
    KafkaDatabase,
    KafkaDatabaseRequest,
    KafkaDatabaseSpec,
)
from scurry.ports import Obj
from scurry.services.cmf import catalogs, kafka_specs, kinds, names, records, requests
from scurry.services.cmf.catalog_access import Access, catalog_secret_id, database_secret_id
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, v2_rules

KIND = "KafkaDatabase"
RULES: ListRules = v2_rules()


async def create(ctx: CmfContext, catalog: str, body: Any) -> dict[str, Any]:
    owner = await catalogs.get_record(ctx, catalog)
    parsed = _parsed(body)
    name = names.check_name(parsed.metadata.name)
    obj = records.record(
        kinds.KAFKA_DATABASE,
        catalog,
        name,
        _spec(parsed),
        labels=parsed.metadata.labels,
        annotations=parsed.metadata.annotations,
    )
    written = await records.create(ctx.cmf, obj, ctx.now(), KIND)
    return render(written, owner, await Access.load(ctx))


async def update(ctx: CmfContext, catalog: str, name: str, body: Any) -> None:
    stored = await _get(ctx, catalog, name)
    parsed = _parsed(body)
    requests.check_same_name(name, parsed.metadata.name)
    meta = parsed.metadata
    await records.replace(
        ctx.cmf, stored, _spec(parsed), ctx.now(), labels=meta.labels, annotations=meta.annotations
    )


async def get(ctx: CmfContext, catalog: str, name: str) -> dict[str, Any]:
    owner = await catalogs.get_record(ctx, catalog)
    return render(await _get(ctx, catalog, name), owner, await Access.load(ctx))


async def page(ctx: CmfContext, catalog: str, query: ListQuery) -> dict[str, Any]:
    owner = await catalogs.get_record(ctx, catalog)
    access = await Access.load(ctx)
    stored = await ctx.cmf.list(kinds.KAFKA_DATABASE, catalog)
    return page_of([render(d, owner, access) for d in stored], query, RULES)


async def delete(ctx: CmfContext, catalog: str, name: str) -> None:
    stored = await _get(ctx, catalog, name)
    await records.delete_quietly(ctx.cmf, stored)


def render(stored: Obj, catalog: Obj, access: Access) -> dict[str, Any]:
    environments = access.environments(catalog_secret_id(catalog), database_secret_id(stored))
    return KafkaDatabase(
        metadata=records.metadata_view(stored),
        spec=KafkaDatabaseSpec.model_validate(stored["spec"]),
        status=AccessStatus(environments_with_access=environments),
    ).to_wire()


def _parsed(body: Any) -> KafkaDatabaseRequest:
    parsed = requests.parse(KafkaDatabaseRequest, body)
    requests.check_kind(parsed.kind, KIND)
    return parsed


def _spec(parsed: KafkaDatabaseRequest) -> dict[str, Any]:
    given = parsed.spec or KafkaDatabaseSpec()
    spec: dict[str, Any] = {"kafkaCluster": kafka_specs.kafka_cluster(given.kafka_cluster)}
    ddl = kafka_specs.ddl_environments(given.ddl_environments)
    if ddl is not None:
        spec["ddlEnvironments"] = ddl
    return spec


async def _get(ctx: CmfContext, catalog: str, name: str) -> Obj:
    await catalogs.get_record(ctx, catalog)
    found = await records.find(ctx.cmf, kinds.KAFKA_DATABASE, catalog, name)
    if found is None:
        raise NotFound(f'{KIND} "{name}" not found in {catalogs.KIND} "{catalog}"')
    return found
