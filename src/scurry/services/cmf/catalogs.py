"""Kafka catalogs: a Schema Registry whose subjects describe the tables of the catalog's databases.

Creating or updating a catalog first asks its Schema Registry for its subjects
(bounded by PROBE_TIMEOUT), with the credentials of every environment that
maps the catalog's connectionSecretId (or none while no environment does): a
registry that does not answer fails the request with 422 and nothing is
stored. CMF 2.0's inline `kafkaClusters` are accepted on create and update and
become (or update) the catalog's KafkaDatabases; answers list the catalog's
databases there too, so a 2.0 client sees what it wrote. Databases are only
deleted through their own resource, and a catalog only once it has none.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scurry.errors import Conflict, NotFound, ValidationFailed
from scurry.models.kafkacatalog import (
    AccessStatus,
    KafkaCatalog,
    KafkaCatalogRequest,
    KafkaCatalogSpec,
)
from scurry.ports import Obj
from scurry.services.cmf import kafka_specs, kinds, names, records, requests
from scurry.services.cmf.catalog_access import Access, catalog_secret_id, merged
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, v2_rules
from scurry.services.kafkatables import registry

KIND = "KafkaCatalog"
PROBE_TIMEOUT = 5.0
RULES: ListRules = v2_rules()


async def create(ctx: CmfContext, body: Any) -> dict[str, Any]:
    parsed = _parsed(body)
    name = names.check_name(parsed.metadata.name)
    spec = parsed.spec or KafkaCatalogSpec()
    instance = kafka_specs.registry_instance(spec.sr_instance)
    legacy = kafka_specs.legacy_databases(spec.kafka_clusters)
    if await records.find(ctx.cmf, kinds.KAFKA_CATALOG, kinds.GLOBAL, name) is not None:
        raise Conflict(f'{KIND} "{name}" already exists')
    await _probe(ctx, instance)
    obj = records.record(
        kinds.KAFKA_CATALOG,
        kinds.GLOBAL,
        name,
        {"srInstance": instance},
        labels=parsed.metadata.labels,
        annotations=parsed.metadata.annotations,
    )
    written = await records.create(ctx.cmf, obj, ctx.now(), KIND)
    try:
        await _upsert_databases(ctx, name, legacy)
    except Exception:
        await _undo(ctx, written, legacy)
        raise
    return await _render(ctx, written)


async def update(ctx: CmfContext, name: str, body: Any) -> None:
    stored = await get_record(ctx, name)
    parsed = _parsed(body)
    requests.check_same_name(name, parsed.metadata.name)
    spec = parsed.spec or KafkaCatalogSpec()
    instance = kafka_specs.registry_instance(spec.sr_instance)
    legacy = kafka_specs.legacy_databases(spec.kafka_clusters)
    await _probe(ctx, instance)
    meta = parsed.metadata
    await records.replace(
        ctx.cmf,
        stored,
        {"srInstance": instance},
        ctx.now(),
        labels=meta.labels,
        annotations=meta.annotations,
    )
    await _upsert_databases(ctx, name, legacy)


async def get(ctx: CmfContext, name: str) -> dict[str, Any]:
    return await _render(ctx, await get_record(ctx, name))


async def page(ctx: CmfContext, query: ListQuery) -> dict[str, Any]:
    access = await Access.load(ctx)
    stored = await ctx.cmf.list(kinds.KAFKA_CATALOG, kinds.GLOBAL)
    items = [
        render(c, await ctx.cmf.list(kinds.KAFKA_DATABASE, c["metadata"]["name"]), access)
        for c in stored
    ]
    return page_of(items, query, RULES)


async def delete(ctx: CmfContext, name: str) -> None:
    await get_record(ctx, name)
    databases = await ctx.cmf.list(kinds.KAFKA_DATABASE, name)
    if databases:
        listed = ", ".join(sorted(d["metadata"]["name"] for d in databases))
        raise Conflict(
            f'{KIND} "{name}" contains databases and cannot be deleted: delete its '
            f"KafkaDatabases first ({listed})"
        )
    try:
        await ctx.cmf.delete(kinds.KAFKA_CATALOG, kinds.GLOBAL, name)
    except NotFound:
        raise NotFound(f'{KIND} "{name}" not found') from None


async def get_record(ctx: CmfContext, name: str) -> Obj:
    return await records.get(ctx.cmf, kinds.KAFKA_CATALOG, kinds.GLOBAL, name, KIND)


def render(stored: Obj, databases: list[Obj], access: Access) -> dict[str, Any]:
    clusters = [
        {"databaseName": d["metadata"]["name"], **d["spec"]["kafkaCluster"]}
        for d in sorted(databases, key=lambda d: str(d["metadata"]["name"]))
    ]
    spec = KafkaCatalogSpec.model_validate(
        {"srInstance": stored["spec"]["srInstance"], "kafkaClusters": clusters or None}
    )
    status = AccessStatus(environments_with_access=access.environments(catalog_secret_id(stored)))
    return KafkaCatalog(metadata=records.metadata_view(stored), spec=spec, status=status).to_wire()


async def _render(ctx: CmfContext, stored: Obj) -> dict[str, Any]:
    databases = await ctx.cmf.list(kinds.KAFKA_DATABASE, stored["metadata"]["name"])
    return render(stored, databases, await Access.load(ctx))


def _parsed(body: Any) -> KafkaCatalogRequest:
    parsed = requests.parse(KafkaCatalogRequest, body)
    requests.check_kind(parsed.kind, KIND)
    return parsed


async def _probe(ctx: CmfContext, instance: dict[str, Any]) -> None:
    """Ask the registry for its subjects as each environment would; 422 when it fails."""
    config: dict[str, str] = instance["connectionConfig"]
    secret_id: str | None = instance.get("connectionSecretId")
    for env, attempt in await _probe_configs(ctx, config, secret_id):
        try:
            await asyncio.to_thread(registry.probe, attempt, PROBE_TIMEOUT)
        except registry.RegistryUnreachable as exc:
            how = f" with the secret environment {env!r} maps {secret_id!r} to" if env else ""
            raise ValidationFailed(
                f"spec.srInstance.connectionConfig: the Schema Registry at "
                f"{config[kafka_specs.SR_URL]} cannot be reached{how}: {exc}. Nothing was stored."
            ) from None


async def _probe_configs(
    ctx: CmfContext, config: dict[str, str], secret_id: str | None
) -> list[tuple[str | None, dict[str, str]]]:
    """The config as each distinct mapped secret completes it; the bare one if none does."""
    if secret_id is None:
        return [(None, dict(config))]
    access = await Access.load(ctx)
    found: list[tuple[str | None, dict[str, str]]] = []
    tried: set[str] = set()
    for env in access.environments(secret_id):
        secret = access.mappings[env][secret_id]
        if secret not in tried:
            tried.add(secret)
            found.append((env, (await merged(ctx, access, env, config, secret_id))[0]))
    return found or [(None, dict(config))]


async def _upsert_databases(ctx: CmfContext, catalog: str, legacy: dict[str, Any]) -> None:
    for name, cluster in legacy.items():
        existing = await records.find(ctx.cmf, kinds.KAFKA_DATABASE, catalog, name)
        if existing is None:
            obj = records.record(kinds.KAFKA_DATABASE, catalog, name, {"kafkaCluster": cluster})
            await records.create(ctx.cmf, obj, ctx.now(), "KafkaDatabase")
        elif existing["spec"].get("kafkaCluster") != cluster:
            spec = {**existing["spec"], "kafkaCluster": cluster}
            meta = existing["metadata"]
            await records.replace(
                ctx.cmf,
                existing,
                spec,
                ctx.now(),
                labels=meta.get("labels"),
                annotations=meta.get("annotations"),
            )


async def _undo(ctx: CmfContext, catalog: Obj, legacy: dict[str, Any]) -> None:
    """Remove what a failed create wrote, so that nothing of it is stored."""
    name = catalog["metadata"]["name"]
    for database in await ctx.cmf.list(kinds.KAFKA_DATABASE, name):
        if database["metadata"]["name"] in legacy:
            await records.delete_quietly(ctx.cmf, database)
    await records.delete_quietly(ctx.cmf, catalog)
