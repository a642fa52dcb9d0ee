"""JSON Schemas to Flink SQL types.

An object's properties become ROW fields in the order the schema lists them;
a property is NOT NULL when it is `required` and its type does not admit
null (`"type": ["null", "string"]`, or `oneOf` with a null branch).
`$ref` is followed within the document (`#/definitions/...`, `#/$defs/...`).
Confluent's Kafka Connect annotations (`connect.type`, and the
`org.apache.kafka.connect.data.*` titles) narrow numbers and mark bytes and
temporal types; string formats `date`, `time`, `date-time` map to DATE,
TIME(3), TIMESTAMP_LTZ(3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from scurry.services.kafkatables import flinktypes as t
from scurry.services.kafkatables.flinktypes import FlinkType, UnsupportedSchema

INTEGERS = {"int8": t.TINYINT, "int16": t.SMALLINT, "int32": t.INT, "int64": t.BIGINT}
STRING_FORMATS = {
    "date": t.DATE,
    "time": t.scalar("TIME(3)"),
    "date-time": t.scalar("TIMESTAMP_LTZ(3)"),
}
CONNECT_TITLES = {
    "org.apache.kafka.connect.data.Date": t.DATE,
    "org.apache.kafka.connect.data.Time": t.scalar("TIME(3)"),
    "org.apache.kafka.connect.data.Timestamp": t.scalar("TIMESTAMP_LTZ(3)"),
}


def parse(schema_str: str) -> Any:
    try:
        document = json.loads(schema_str)
    except json.JSONDecodeError as exc:
        raise UnsupportedSchema(f"not a valid JSON Schema (JSON): {exc.msg}") from None
    if not isinstance(document, dict | bool):
        raise UnsupportedSchema("a JSON Schema must be an object")
    return document


def fields_of(document: Any) -> list[t.Field] | None:
    """The root object's properties as columns; None when the root is not an object."""
    walker = _Walker(document)
    root = walker.resolve(document)
    if not isinstance(root, dict) or "properties" not in root:
        return None
    return walker.properties(root)


def type_of(document: Any) -> FlinkType:
    return _Walker(document).convert(document)


@dataclass
class _Walker:
    document: Any
    following: list[str] = field(default_factory=list)

    def resolve(self, schema: Any) -> Any:
        seen: list[str] = []
        while isinstance(schema, dict) and "$ref" in schema:
            ref = str(schema["$ref"])
            if ref in seen:
                raise UnsupportedSchema(f"$ref {ref!r} refers to itself")
            seen.append(ref)
            schema = self.pointer(ref)
        return schema

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise UnsupportedSchema(f"$ref {ref!r} points outside the schema (not supported)")
        node = self.document
        for part in [p for p in ref[1:].split("/") if p]:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise UnsupportedSchema(f"$ref {ref!r} points at nothing")
        return node

    def convert(self, schema: Any) -> FlinkType:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if ref is not None:
            if ref in self.following:
                raise UnsupportedSchema(f"$ref {ref!r} is recursive")
            self.following.append(str(ref))
            try:
                return self.convert(self.resolve(schema))
            finally:
                self.following.pop()
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"schema {schema!r} has no Flink SQL type")
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                return self.alternatives(schema[combinator], combinator)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.convert(schema["allOf"][0])
        return self.typed(schema)

    def alternatives(self, branches: list[Any], combinator: str) -> FlinkType:
        resolved = [self.resolve(b) for b in branches]
        rest = [b for b, r in zip(branches, resolved, strict=True) if not _is_null(r)]
        if len(rest) != 1:
            raise UnsupportedSchema(
                f"{combinator} with {len(rest)} non-null branches has no Flink SQL type"
            )
        converted = self.convert(rest[0])
        return converted.as_nullable() if len(rest) < len(branches) else converted

    def typed(self, schema: dict[str, Any]) -> FlinkType:
        declared = schema.get("type")
        types = declared if isinstance(declared, list) else [declared] if declared else []
        nullable = "null" in types
        rest = [x for x in types if x != "null"]
        if not rest and "enum" in schema:
            return _enum(schema["enum"])
        if not rest and "properties" in schema:
            rest = ["object"]
        if len(rest) != 1:
            raise UnsupportedSchema(f"type {declared!r} has no single Flink SQL type")
        converted = self.single(str(rest[0]), schema)
        return converted.as_nullable() if nullable else converted

    def single(self, kind: str, schema: dict[str, Any]) -> FlinkType:
        title = schema.get("title")
        if isinstance(title, str) and title in CONNECT_TITLES:
            return CONNECT_TITLES[title]
        connect = schema.get("connect.type")
        if kind == "object":
            return self.object(schema)
        if kind == "array":
            if "items" not in schema or not isinstance(schema["items"], dict):
                raise UnsupportedSchema("an array without one `items` schema")
            return t.array(self.convert(schema["items"]))
        if kind == "string":
            if connect == "bytes":
                return t.BYTES
            return STRING_FORMATS.get(str(schema.get("format")), t.STRING)
        if kind == "integer":
            return INTEGERS.get(str(connect), t.BIGINT)
        if kind == "number":
            return t.FLOAT if connect == "float32" else t.DOUBLE
        if kind == "boolean":
            return t.BOOLEAN
        raise UnsupportedSchema(f"type {kind!r} has no Flink SQL type")

    def object(self, schema: dict[str, Any]) -> FlinkType:
        if "properties" in schema:
            return t.row(self.properties(schema))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return t.map_of(t.STRING, self.convert(extra))
        raise UnsupportedSchema("an object without properties or an additionalProperties schema")

    def properties(self, schema: dict[str, Any]) -> list[t.Field]:
        required = set(schema.get("required") or [])
        fields = []
        for name, sub in (schema.get("properties") or {}).items():
            converted = self.convert(sub)
            if name not in required:
                converted = converted.as_nullable()
            fields.append(t.Field(str(name), converted))
        return fields


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _enum(values: Any) -> FlinkType:
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        return t.STRING
    raise UnsupportedSchema("an enum of values other than strings")
