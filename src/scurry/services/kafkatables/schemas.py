"""Reading subjects' latest schemas (and the schemas they reference) from a registry.

Protobuf schemas are read again in Schema Registry's `serialized` form, through
a second client: the client caches a version by subject and number whatever
format it was read in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from scurry.services.kafkatables import registry
from scurry.services.kafkatables.flinktypes import UnsupportedSchema

AVRO, JSON, PROTOBUF = "AVRO", "JSON", "PROTOBUF"
MAX_REFERENCE_DEPTH = 16


@dataclass(frozen=True)
class SubjectSchema:
    subject: str
    schema_type: str
    text: str
    references: tuple[tuple[str, int], ...] = ()  # (subject, version)
    version: int | None = None


@dataclass
class SchemaSource:
    config: Mapping[str, str]
    timeout: float = registry.DEFAULT_TIMEOUT
    _plain: SchemaRegistryClient | None = field(default=None, repr=False)
    _serialized: SchemaRegistryClient | None = field(default=None, repr=False)

    @property
    def plain(self) -> SchemaRegistryClient:
        if self._plain is None:
            self._plain = registry.client(self.config, self.timeout)
        return self._plain

    @property
    def serialized(self) -> SchemaRegistryClient:
        if self._serialized is None:
            self._serialized = registry.client(self.config, self.timeout)
        return self._serialized

    def subjects(self) -> list[str]:
        return list(self.plain.get_subjects())

    def latest(self, subject: str) -> SubjectSchema:
        found = self.plain.get_version(subject, "latest")
        schema = _subject_schema(subject, found)
        if schema.schema_type == PROTOBUF and schema.version is not None:
            again = self.serialized.get_version(subject, schema.version, fmt="serialized")
            schema = _subject_schema(subject, again)
        return schema

    def referenced(self, schema: SubjectSchema, depth: int = 0) -> list[SubjectSchema]:
        """Every schema `schema` references, directly or not, innermost first."""
        if depth > MAX_REFERENCE_DEPTH:
            raise UnsupportedSchema(f"schema references nest deeper than {MAX_REFERENCE_DEPTH}")
        found: list[SubjectSchema] = []
        for subject, version in schema.references:
            fmt = "serialized" if schema.schema_type == PROTOBUF else None
            client = self.serialized if fmt else self.plain
            ref = _subject_schema(subject, client.get_version(subject, version, fmt=fmt))
            found.extend(self.referenced(ref, depth + 1))
            found.append(ref)
        return found


def _subject_schema(subject: str, registered: Any) -> SubjectSchema:
    schema = registered.schema
    references = tuple(
        (str(r.subject), int(r.version)) for r in (schema.references or []) if r.subject
    )
    return SubjectSchema(
        subject=subject,
        schema_type=str(schema.schema_type or AVRO).upper(),
        text=str(schema.schema_str),
        references=references,
        version=registered.version,
    )
