"""Which Kafka catalogs and databases an environment sees, with their secrets resolved.

A catalog's `srInstance.connectionSecretId` and a database's
`kafkaCluster.connectionSecretId` name an environment secret mapping; the
mapped secret's data is laid over the connection config (the secret wins).
An environment that has no mapping for an id does not see that catalog (or
database), as in CMF: `status.environmentsWithAccess` lists who does, and
`visible` reports each hidden one with the reason instead of failing.

`environment_tables` is what the SQL engine calls: every table the
environment sees, derived from Schema Registry in worker threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from scurry.ports import Obj
from scurry.services.cmf import kinds, lookup, secrets
from scurry.services.cmf.context import CmfContext
from scurry.services.kafkatables import registry
from scurry.services.kafkatables.tables import DatabaseTables, KafkaConnection, derive


@dataclass(frozen=True)
class Access:
    """Every environment and its secret mappings (mapping name -> secret name)."""

    mappings: Mapping[str, Mapping[str, str]]

    @classmethod
    async def load(cls, ctx: CmfContext) -> Access:
        envs = [e["metadata"]["name"] for e in await ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL)]
        mapped: dict[str, dict[str, str]] = {env: {} for env in envs}
        for m in await ctx.cmf.list(kinds.SECRET_MAPPING):
            env = m["metadata"]["namespace"]
            if env in mapped:
                mapped[env][m["metadata"]["name"]] = m["spec"]["secretName"]
        return cls(mapped)

    def allows(self, env: str, *secret_ids: str | None) -> bool:
        mapped = self.mappings.get(env, {})
        return all(sid is None or sid in mapped for sid in secret_ids)

    def environments(self, *secret_ids: str | None) -> list[str]:
        return sorted(env for env in self.mappings if self.allows(env, *secret_ids))


def catalog_secret_id(catalog: Obj) -> str | None:
    value = (catalog["spec"].get("srInstance") or {}).get("connectionSecretId")
    return str(value) if value else None


def database_secret_id(database: Obj) -> str | None:
    value = (database["spec"].get("kafkaCluster") or {}).get("connectionSecretId")
    return str(value) if value else None


@dataclass
class Visible:
    connections: list[KafkaConnection] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # why a catalog or database is not seen


async def merged(
    ctx: CmfContext, access: Access, env: str, config: Mapping[str, str], secret_id: str | None
) -> tuple[dict[str, str], frozenset[str]]:
    """`config` with the secret `env` maps `secret_id` to laid over it, and the secret's keys."""
    if secret_id is None:
        return dict(config), frozenset()
    data = await secrets.plaintext(ctx, access.mappings[env][secret_id])
    return {**config, **data}, frozenset(data)


async def visible(ctx: CmfContext, env: str) -> Visible:
    """The databases `env` sees, as connections with their secrets merged in."""
    await lookup.environment(ctx, env)
    access = await Access.load(ctx)
    found = Visible()
    for catalog in await ctx.cmf.list(kinds.KAFKA_CATALOG, kinds.GLOBAL):
        name = catalog["metadata"]["name"]
        sr_id = catalog_secret_id(catalog)
        if not access.allows(env, sr_id):
            found.hidden.append(_hidden("catalog", name, env, sr_id))
            continue
        config = (catalog["spec"].get("srInstance") or {}).get("connectionConfig") or {}
        sr, sr_secret = await merged(ctx, access, env, config, sr_id)
        for database in await ctx.cmf.list(kinds.KAFKA_DATABASE, name):
            db_name = database["metadata"]["name"]
            db_id = database_secret_id(database)
            if not access.allows(env, db_id):
                found.hidden.append(_hidden("database", f"{name}.{db_name}", env, db_id))
                continue
            cluster = (database["spec"].get("kafkaCluster") or {}).get("connectionConfig") or {}
            kafka, kafka_secret = await merged(ctx, access, env, cluster, db_id)
            found.connections.append(
                KafkaConnection(name, db_name, sr, kafka, sr_secret | kafka_secret)
            )
    return found


@dataclass
class EnvironmentTables:
    databases: list[DatabaseTables] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # hidden catalogs, unreachable registries


async def environment_tables(
    ctx: CmfContext, env: str, registry_timeout: float = registry.DEFAULT_TIMEOUT
) -> EnvironmentTables:
    """Every Kafka table `env` sees. A registry that fails leaves its database out, with a note."""
    seen = await visible(ctx, env)
    result = EnvironmentTables(notes=list(seen.hidden))
    for connection in seen.connections:
        try:
            derived = await asyncio.to_thread(derive, connection, registry_timeout)
        except registry.RegistryUnreachable as exc:
            result.notes.append(
                f"database {connection.catalog}.{connection.database}: Schema Registry did not "
                f"answer ({exc}); its tables are not available"
            )
            continue
        result.databases.append(derived)
        result.notes.extend(
            f"table {connection.catalog}.{connection.database}.{s.topic} left out: {s.reason}"
            for s in derived.skipped
        )
        if derived.note:
            result.notes.append(derived.note)
    return result


def _hidden(what: str, name: str, env: str, secret_id: str | None) -> str:
    return (
        f"{what} {name} is not visible in environment {env}: it has no secret mapping named "
        f"{secret_id!r} (the {what}'s connectionSecretId)"
    )
