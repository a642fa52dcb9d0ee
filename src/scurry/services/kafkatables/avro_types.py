"""Avro schemas to Flink SQL types.

Non-union types are NOT NULL; a union with "null" makes its other branch
nullable, and a union of several non-null branches becomes a ROW with one
nullable field per branch (named after the branch's type), as Confluent's
inferred tables do. `timestamp-*` are instants (TIMESTAMP_LTZ), `local-timestamp-*`
wall-clock times (TIMESTAMP). Unknown logical types fall back to their
underlying type, as the Avro specification says. Named types from other
subjects (schema references) come in `known`, full name -> definition.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scurry.services.kafkatables import flinktypes as t
from scurry.services.kafkatables.flinktypes import FlinkType, UnsupportedSchema

PRIMITIVES: dict[str, FlinkType] = {
    "boolean": t.BOOLEAN,
    "int": t.INT,
    "long": t.BIGINT,
    "float": t.FLOAT,
    "double": t.DOUBLE,
    "bytes": t.BYTES,
    "string": t.STRING,
}
LOGICAL: dict[tuple[str, str], FlinkType] = {
    ("int", "date"): t.DATE,
    ("int", "time-millis"): t.scalar("TIME(3)"),
    ("long", "time-micros"): t.scalar("TIME(6)"),
    ("long", "timestamp-millis"): t.scalar("TIMESTAMP_LTZ(3)"),
    ("long", "timestamp-micros"): t.scalar("TIMESTAMP_LTZ(6)"),
    ("long", "timestamp-nanos"): t.scalar("TIMESTAMP_LTZ(9)"),
    ("long", "local-timestamp-millis"): t.scalar("TIMESTAMP(3)"),
    ("long", "local-timestamp-micros"): t.scalar("TIMESTAMP(6)"),
    ("long", "local-timestamp-nanos"): t.scalar("TIMESTAMP(9)"),
    ("string", "uuid"): t.STRING,
}
NAMED = ("record", "error", "enum", "fixed")


def parse(schema_str: str) -> Any:
    try:
        return json.loads(schema_str)
    except json.JSONDecodeError as exc:
        raise UnsupportedSchema(f"not a valid Avro schema (JSON): {exc.msg}") from None


def named_types(schema: Any, known: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every named type `schema` defines, by full name (to resolve references to them)."""
    found: dict[str, Any] = dict(known or {})
    _Walker(found).collect(schema, "")
    return found


def fields_of(schema: Any, known: Mapping[str, Any] | None = None) -> list[t.Field] | None:
    """The top-level record's fields as columns; None when the schema is not a record."""
    walker = _Walker(named_types(schema, known))
    resolved, namespace = walker.resolve(schema, "")
    if not (isinstance(resolved, dict) and resolved.get("type") in ("record", "error")):
        return None
    return walker.record_fields(resolved, namespace)


def type_of(schema: Any, known: Mapping[str, Any] | None = None) -> FlinkType:
    """The Flink type of any Avro schema."""
    return _Walker(named_types(schema, known)).convert(schema, "")


@dataclass
class _Walker:
    named: dict[str, Any]
    expanding: list[str] = field(default_factory=list)

    def collect(self, schema: Any, namespace: str) -> None:
        if isinstance(schema, list):
            for branch in schema:
                self.collect(branch, namespace)
            return
        if not isinstance(schema, dict):
            return
        kind = schema.get("type")
        if kind in NAMED:
            full, namespace = _full_name(schema, namespace)
            self.named.setdefault(full, {**schema, "__namespace__": namespace})
        for f in schema.get("fields") or []:
            self.collect(f.get("type"), namespace)
        for key in ("items", "values"):
            if key in schema:
                self.collect(schema[key], namespace)
        if isinstance(kind, dict | list):
            self.collect(kind, namespace)

    def resolve(self, schema: Any, namespace: str) -> tuple[Any, str]:
        """A name resolved to its definition, with the namespace it was defined in."""
        if isinstance(schema, str) and schema not in PRIMITIVES and schema != "null":
            for candidate in (schema, f"{namespace}.{schema}" if namespace else schema):
                if candidate in self.named:
                    found = self.named[candidate]
                    return found, found.get("__namespace__", "")
            raise UnsupportedSchema(f"unknown Avro type {schema!r}")
        if isinstance(schema, dict) and schema.get("type") in NAMED:
            return schema, _full_name(schema, namespace)[1]
        return schema, namespace

    def convert(self, schema: Any, namespace: str) -> FlinkType:
        if isinstance(schema, list):
            return self.union(schema, namespace)
        if isinstance(schema, str) and schema in PRIMITIVES:
            return PRIMITIVES[schema]
        if schema == "null":
            raise UnsupportedSchema("a field of type null has no Flink SQL type")
        resolved, inner = self.resolve(schema, namespace)
        if not isinstance(resolved, dict):
            return self.convert(resolved, inner)
        return self.complex(resolved, inner)

    def complex(self, schema: dict[str, Any], namespace: str) -> FlinkType:
        kind = schema.get("type")
        logical = self.logical(schema)
        if logical is not None:
            return logical
        if kind in ("record", "error"):
            full = _full_name(schema, namespace)[0]
            if full in self.expanding:
                raise UnsupportedSchema(f"record {full!r} is recursive")
            self.expanding.append(full)
            try:
                return t.row(self.record_fields(schema, namespace))
            finally:
                self.expanding.pop()
        if kind == "enum":
            return t.STRING
        if kind == "fixed":
            return t.scalar(f"BINARY({int(schema['size'])})")
        if kind == "array":
            return t.array(self.convert(schema.get("items"), namespace))
        if kind == "map":
            return t.map_of(t.STRING, self.convert(schema.get("values"), namespace))
        return self.convert(kind, namespace)  # {"type": "string"} and the like

    def logical(self, schema: dict[str, Any]) -> FlinkType | None:
        name = schema.get("logicalType")
        base = schema.get("type")
        if not isinstance(name, str):
            return None
        if name == "decimal" and base in ("bytes", "fixed"):
            return t.decimal(int(schema.get("precision", 0)), int(schema.get("scale", 0)))
        return LOGICAL.get((base, name)) if isinstance(base, str) else None

    def record_fields(self, schema: dict[str, Any], namespace: str) -> list[t.Field]:
        return [
            t.Field(str(f["name"]), self.convert(f.get("type"), namespace))
            for f in schema.get("fields") or []
        ]

    def union(self, branches: list[Any], namespace: str) -> FlinkType:
        nullable = "null" in branches
        rest = [b for b in branches if b != "null"]
        if not rest:
            raise UnsupportedSchema("a union of null alone has no Flink SQL type")
        if len(rest) == 1:
            converted = self.convert(rest[0], namespace)
            return converted.as_nullable() if nullable else converted
        fields = [
            t.Field(self.branch_name(b, namespace), self.convert(b, namespace).as_nullable())
            for b in rest
        ]
        return t.row(fields, nullable=nullable)

    def branch_name(self, branch: Any, namespace: str) -> str:
        resolved, _ = self.resolve(branch, namespace)
        if isinstance(resolved, dict):
            if resolved.get("type") in NAMED:
                return str(resolved["name"]).rsplit(".", 1)[-1]
            return str(resolved.get("type"))
        return str(resolved)


def _full_name(schema: dict[str, Any], namespace: str) -> tuple[str, str]:
    """(full name, namespace) of a named type, inheriting the enclosing namespace."""
    name = str(schema.get("name", ""))
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    own = schema.get("namespace", namespace) or ""
    return (f"{own}.{name}" if own else name), own
