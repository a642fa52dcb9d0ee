"""The checked, stored form of Kafka catalog and database specs.

Stored specs keep the API's camelCase: a catalog `{"srInstance": {...}}`, a
database `{"kafkaCluster": {...}, "ddlEnvironments": [...]}`. Addresses
must be given in clear (`schema.registry.url`, `bootstrap.servers`): the
secrets a mapping adds are for credentials.
"""

from __future__ import annotations

from typing import Any

from scurry.errors import InvalidInput
from scurry.models.kafkacatalog import ConnectionSpec, LegacyKafkaCluster
from scurry.services.cmf import names
from scurry.services.kafkatables import registry

SR_URL = "schema.registry.url"
BOOTSTRAP = "bootstrap.servers"


def connection(spec: ConnectionSpec | None, field: str, address_key: str) -> dict[str, Any]:
    """A connection's stored form; `InvalidInput` names the field and the rule it breaks."""
    if spec is None:
        raise InvalidInput(f"{field}: required field is missing")
    config = spec.connection_config
    if config is None:
        raise InvalidInput(f"{field}.connectionConfig: required field is missing")
    if not config.get(address_key, "").strip():
        raise InvalidInput(f"{field}.connectionConfig: must give {address_key}")
    if any(not key.strip() for key in config):
        raise InvalidInput(f"{field}.connectionConfig: keys must not be empty")
    stored: dict[str, Any] = {"connectionConfig": dict(config)}
    if spec.connection_secret_id is not None:
        stored["connectionSecretId"] = names.check_name(
            spec.connection_secret_id, f"{field}.connectionSecretId"
        )
    return stored


def registry_instance(spec: ConnectionSpec | None) -> dict[str, Any]:
    stored = connection(spec, "spec.srInstance", SR_URL)
    problem = registry.check_urls(stored["connectionConfig"][SR_URL])
    if problem:
        raise InvalidInput(f"spec.srInstance.connectionConfig: {SR_URL} {problem}")
    return stored


def kafka_cluster(spec: ConnectionSpec | None, field: str = "spec.kafkaCluster") -> dict[str, Any]:
    return connection(spec, field, BOOTSTRAP)


def ddl_environments(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    for index, env in enumerate(value):
        names.check_name(env, f"spec.ddlEnvironments[{index}]")
    if len(set(value)) != len(value):
        raise InvalidInput("spec.ddlEnvironments: must not name an environment twice")
    return list(value)


def legacy_databases(entries: list[LegacyKafkaCluster] | None) -> dict[str, dict[str, Any]]:
    """CMF 2.0's inline `kafkaClusters`, as database name -> stored `kafkaCluster`."""
    found: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries or []):
        field = f"spec.kafkaClusters[{index}]"
        name = names.check_name(entry.database_name, f"{field}.databaseName")
        if name in found:
            raise InvalidInput(f"{field}.databaseName: {name!r} is listed twice")
        given = ConnectionSpec(
            connection_config=entry.connection_config,
            connection_secret_id=entry.connection_secret_id,
        )
        found[name] = kafka_cluster(given, field)
    return found
