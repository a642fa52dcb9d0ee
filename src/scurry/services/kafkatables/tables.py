"""The tables of one Kafka database: a table per topic, columns from its subjects' schemas.

This is what the SQL engine registers. `derive(connection)` reads Schema
Registry (and Kafka, when it answers) and returns `KafkaTable`s; it blocks,
so async callers run it in a thread. Inferred as CMF and Confluent Cloud do:

- a topic's key columns come from `<topic>-key`, its value columns from
  `<topic>-value` (TopicNameStrategy); a record's fields are columns, any other
  schema one column (`key` / `val`); a side without a subject is one nullable
  BYTES column read with the `raw` format;
- key columns come first; when one shares a name with a value column, every
  key column is prefixed `key_` (Flink's `key.fields-prefix` works on all of them);
- a topic whose schema has no Flink SQL type (a recursive record, ...) is left
  out, with the reason in `skipped`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from confluent_kafka.schema_registry.error import SchemaRegistryError

from scurry.services.kafkatables import (
    avro_types,
    formats,
    jsonschema_types,
    protobuf_types,
    registry,
    topics,
)
from scurry.services.kafkatables import flinktypes as t
from scurry.services.kafkatables.flinktypes import UnsupportedSchema
from scurry.services.kafkatables.formats import Option
from scurry.services.kafkatables.schemas import AVRO, JSON, PROTOBUF, SchemaSource, SubjectSchema

KEY_PREFIX = "key_"
STARTUP_MODE = "earliest-offset"


@dataclass(frozen=True)
class KafkaConnection:
    """One database of one catalog as one environment sees it (secrets merged in)."""

    catalog: str
    database: str
    registry: Mapping[str, str]
    kafka: Mapping[str, str]
    secret_keys: frozenset[str] = frozenset()  # keys whose values came from a secret


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Flink SQL, nullability included: `BIGINT NOT NULL`


@dataclass(frozen=True)
class KafkaTable:
    catalog: str
    database: str
    name: str  # the topic
    columns: tuple[Column, ...]
    options: tuple[Option, ...]
    key_columns: tuple[str, ...] = ()

    @property
    def formats(self) -> tuple[str, ...]:
        """The format identifiers the table's options name (`key.format`, `value.format`)."""
        return tuple(o.value for o in self.options if o.key in ("key.format", "value.format"))

    def option(self, key: str) -> str | None:
        return next((o.value for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class SkippedTopic:
    topic: str
    reason: str


@dataclass(frozen=True)
class DatabaseTables:
    catalog: str
    database: str
    tables: tuple[KafkaTable, ...]
    skipped: tuple[SkippedTopic, ...] = ()
    topics_from: Literal["kafka", "schema-registry"] = "kafka"
    note: str | None = None  # why Kafka was not asked for its topics


@dataclass(frozen=True)
class _Side:
    fields: tuple[t.Field, ...]
    format: str
    subject: str | None = None


@dataclass
class _Deriver:
    connection: KafkaConnection
    source: SchemaSource
    subjects: frozenset[str] = field(default_factory=frozenset)

    def table(self, topic: str) -> KafkaTable:
        value = self.side(topic, "value", "val")
        key = self.side(topic, "key", "key")
        value_names = {f.name for f in value.fields}
        prefix = KEY_PREFIX if any(f.name in value_names for f in key.fields) else ""
        key_fields = [t.Field(prefix + f.name, f.type) for f in key.fields]
        columns = [Column(f.name, f.type.render()) for f in (*key_fields, *value.fields)]
        key_names = tuple(f.name for f in key_fields)
        return KafkaTable(
            catalog=self.connection.catalog,
            database=self.connection.database,
            name=topic,
            columns=tuple(columns),
            options=tuple(self.options(topic, key, value, key_names, prefix)),
            key_columns=key_names,
        )

    def side(self, topic: str, which: str, column: str) -> _Side:
        subject = f"{topic}-{which}"
        if subject not in self.subjects:
            return _Side((t.Field(column, t.BYTES.as_nullable()),), formats.RAW)
        schema = self.source.latest(subject)
        fields = self.fields(schema, column)
        return _Side(tuple(fields), formats.FORMATS[schema.schema_type], subject)

    def fields(self, schema: SubjectSchema, column: str) -> list[t.Field]:
        if schema.schema_type == PROTOBUF:
            imported = [protobuf_types.parse(r.text) for r in self.source.referenced(schema)]
            return protobuf_types.fields_of(protobuf_types.parse(schema.text), imported)
        if schema.schema_type == AVRO:
            known: dict[str, object] = {}
            for ref in self.source.referenced(schema):
                known = avro_types.named_types(avro_types.parse(ref.text), known)
            parsed = avro_types.parse(schema.text)
            found = avro_types.fields_of(parsed, known)
            return (
                found if found is not None else [t.Field(column, avro_types.type_of(parsed, known))]
            )
        if schema.schema_type == JSON:
            document = jsonschema_types.parse(schema.text)
            found = jsonschema_types.fields_of(document)
            return (
                found
                if found is not None
                else [t.Field(column, jsonschema_types.type_of(document))]
            )
        raise UnsupportedSchema(f"schema type {schema.schema_type!r} is not supported")

    def options(
        self, topic: str, key: _Side, value: _Side, key_names: tuple[str, ...], prefix: str
    ) -> list[Option]:
        conn = self.connection
        found = [Option("connector", "kafka"), Option("topic", topic)]
        found += formats.kafka_options(conn.kafka, conn.secret_keys)
        found.append(Option("scan.startup.mode", STARTUP_MODE))
        found += [Option("key.format", key.format), Option("key.fields", ";".join(key_names))]
        if prefix:
            found.append(Option("key.fields-prefix", prefix))
        found += self.format_options("key", key)
        found.append(Option("value.format", value.format))
        found += self.format_options("value", value)
        found.append(Option("value.fields-include", "EXCEPT_KEY"))
        return found

    def format_options(self, side: str, which: _Side) -> list[Option]:
        if which.subject is None:
            return []
        prefix = f"{side}.{which.format}"
        conn = self.connection
        found = formats.registry_options(prefix, conn.registry, conn.secret_keys)
        return [*found, Option(f"{prefix}.subject", which.subject)]


def derive(
    connection: KafkaConnection, timeout: float = registry.DEFAULT_TIMEOUT
) -> DatabaseTables:
    """The database's tables; `registry.RegistryUnreachable` when Schema Registry fails."""
    source = SchemaSource(connection.registry, timeout)
    try:
        subjects = frozenset(source.subjects())
    except SchemaRegistryError as exc:
        raise registry.RegistryUnreachable(
            f"HTTP {exc.http_status_code}: {exc.error_message}"
        ) from None
    except Exception as exc:  # the client raises its HTTP library's errors as they come
        raise registry.RegistryUnreachable(str(exc) or type(exc).__name__) from None
    names, origin, note = _topics(connection, subjects, timeout)
    deriver = _Deriver(connection, source, subjects)
    tables: list[KafkaTable] = []
    skipped: list[SkippedTopic] = []
    for topic in names:
        try:
            tables.append(deriver.table(topic))
        except (UnsupportedSchema, SchemaRegistryError) as exc:
            skipped.append(SkippedTopic(topic, str(exc)))
    return DatabaseTables(
        connection.catalog, connection.database, tuple(tables), tuple(skipped), origin, note
    )


def _topics(
    connection: KafkaConnection, subjects: frozenset[str], timeout: float
) -> tuple[list[str], Literal["kafka", "schema-registry"], str | None]:
    try:
        return topics.from_kafka(connection.kafka, timeout), "kafka", None
    except topics.KafkaUnreachable as exc:
        note = (
            f"Kafka of database {connection.database!r} did not answer ({exc}): its topics "
            "are the ones Schema Registry has subjects for"
        )
        return topics.from_subjects(subjects), "schema-registry", note
