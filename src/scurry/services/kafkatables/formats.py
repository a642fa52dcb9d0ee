"""Table options from connection configs: the Kafka connector's and the formats'.

Schema types map to Flink format identifiers: Avro to Flink's `avro-confluent`;
JSON Schema to `json-confluent` and Protobuf to `protobuf-confluent`, which no
Apache Flink release provides yet (see docs/architecture.md, "Kafka catalogs (Flink SQL)"):
their options follow avro-confluent's. A side without a subject is `raw` bytes.

A connection config may hold both clients' keys (one secret often carries the
Schema Registry credentials and the Kafka SASL settings, as in CFK's example),
so each side takes only its own: registry keys (`schema.registry.*`,
`basic.auth.*`, `bearer.auth.*`) become format options, everything else
becomes `properties.*` of the Kafka connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scurry.services.kafkatables import registry
from scurry.services.kafkatables.schemas import AVRO, JSON, PROTOBUF

RAW = "raw"
FORMATS = {AVRO: "avro-confluent", JSON: "json-confluent", PROTOBUF: "protobuf-confluent"}
REGISTRY_PREFIXES = ("schema.registry.", "basic.auth.", "bearer.auth.")
# Registry client keys -> the format's own option (the rest go under `properties.`).
REGISTRY_OPTIONS = {
    "schema.registry.url": "url",
    "basic.auth.credentials.source": "basic-auth.credentials-source",
    "schema.registry.basic.auth.credentials.source": "basic-auth.credentials-source",
    "basic.auth.user.info": "basic-auth.user-info",
    "schema.registry.basic.auth.user.info": "basic-auth.user-info",
    "bearer.auth.credentials.source": "bearer-auth.credentials-source",
    "bearer.auth.token": "bearer-auth.token",
    "schema.registry.ssl.truststore.location": "ssl.truststore.location",
    "schema.registry.ssl.truststore.password": "ssl.truststore.password",
    "schema.registry.ssl.keystore.location": "ssl.keystore.location",
    "schema.registry.ssl.keystore.password": "ssl.keystore.password",
}


@dataclass(frozen=True)
class Option:
    key: str
    value: str
    secret: bool = False


def is_registry_key(key: str) -> bool:
    return key.startswith(REGISTRY_PREFIXES)


def kafka_options(config: Mapping[str, str], secret_keys: frozenset[str]) -> list[Option]:
    """`properties.*` of the Kafka connector: the cluster's client config, bootstrap first."""
    keys = sorted(k for k in config if not is_registry_key(k))
    keys.sort(key=lambda k: k != "bootstrap.servers")
    return [Option(f"properties.{k}", config[k], k in secret_keys) for k in keys]


def registry_options(
    prefix: str, config: Mapping[str, str], secret_keys: frozenset[str]
) -> list[Option]:
    """A registry format's options under `prefix` (`value.avro-confluent`, ...)."""
    options: dict[str, Option] = {}
    for key in sorted(config):
        if not is_registry_key(key):
            continue
        name = REGISTRY_OPTIONS.get(key, f"properties.{key}")
        options[name] = Option(f"{prefix}.{name}", config[key], key in secret_keys)
    if registry.user_info(config) is not None and "basic-auth.credentials-source" not in options:
        source = Option(f"{prefix}.basic-auth.credentials-source", "USER_INFO")
        options["basic-auth.credentials-source"] = source
    ordered = sorted(options.values(), key=lambda o: (not o.key.endswith(".url"), o.key))
    return ordered
