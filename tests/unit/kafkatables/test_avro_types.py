"""Avro schemas to Flink SQL types, one construct at a time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scurry.services.kafkatables import avro_types
from scurry.services.kafkatables.flinktypes import UnsupportedSchema


def record(*fields: tuple[str, Any], name: str = "R") -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields]}


def column_type(avro: Any) -> str:
    (only,) = avro_types.fields_of(record(("c", avro))) or []
    return only.type.render()


@pytest.mark.parametrize(
    ("avro", "flink"),
    [
        ("boolean", "BOOLEAN NOT NULL"),
        ("int", "INT NOT NULL"),
        ("long", "BIGINT NOT NULL"),
        ("float", "FLOAT NOT NULL"),
        ("double", "DOUBLE NOT NULL"),
        ("string", "STRING NOT NULL"),
        ("bytes", "BYTES NOT NULL"),
        ({"type": "string"}, "STRING NOT NULL"),
        ({"type": "int", "logicalType": "date"}, "DATE NOT NULL"),
        ({"type": "int", "logicalType": "time-millis"}, "TIME(3) NOT NULL"),
        ({"type": "long", "logicalType": "time-micros"}, "TIME(6) NOT NULL"),
        ({"type": "long", "logicalType": "timestamp-millis"}, "TIMESTAMP_LTZ(3) NOT NULL"),
        ({"type": "long", "logicalType": "timestamp-micros"}, "TIMESTAMP_LTZ(6) NOT NULL"),
        ({"type": "long", "logicalType": "local-timestamp-millis"}, "TIMESTAMP(3) NOT NULL"),
        ({"type": "long", "logicalType": "local-timestamp-micros"}, "TIMESTAMP(6) NOT NULL"),
        (
            {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2},
            "DECIMAL(10, 2) NOT NULL",
        ),
        (
            {
                "type": "fixed",
                "name": "Money",
                "size": 8,
                "logicalType": "decimal",
                "precision": 18,
            },
            "DECIMAL(18, 0) NOT NULL",
        ),
        ({"type": "string", "logicalType": "uuid"}, "STRING NOT NULL"),
        ({"type": "long", "logicalType": "something-new"}, "BIGINT NOT NULL"),
        ({"type": "int", "logicalType": "date", "extra": 1}, "DATE NOT NULL"),
        ({"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}, "STRING NOT NULL"),
        ({"type": "fixed", "name": "Hash", "size": 16}, "BINARY(16) NOT NULL"),
        ({"type": "array", "items": "int"}, "ARRAY<INT NOT NULL> NOT NULL"),
        ({"type": "array", "items": ["null", "string"]}, "ARRAY<STRING> NOT NULL"),
        ({"type": "map", "values": "long"}, "MAP<STRING NOT NULL, BIGINT NOT NULL> NOT NULL"),
        (["null", "string"], "STRING"),
        (["string", "null"], "STRING"),
        (["null", {"type": "long", "logicalType": "timestamp-millis"}], "TIMESTAMP_LTZ(3)"),
        (["int", "string"], "ROW<`int` INT, `string` STRING> NOT NULL"),
        (["null", "int", "string"], "ROW<`int` INT, `string` STRING>"),
        (
            record(("street", "string"), ("zip", ["null", "int"]), name="Address"),
            "ROW<`street` STRING NOT NULL, `zip` INT> NOT NULL",
        ),
    ],
)
def test_types(avro: Any, flink: str) -> None:
    assert column_type(avro) == flink


def test_named_types_are_reused_by_name_within_their_namespace() -> None:
    schema = {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [
            {"name": "home", "type": record(("city", "string"), name="Address")},
            {"name": "work", "type": ["null", "Address"]},
            {"name": "billing", "type": "shop.Address"},
        ],
    }
    found = {f.name: f.type.render() for f in avro_types.fields_of(schema) or []}
    assert found == {
        "home": "ROW<`city` STRING NOT NULL> NOT NULL",
        "work": "ROW<`city` STRING NOT NULL>",
        "billing": "ROW<`city` STRING NOT NULL> NOT NULL",
    }


def test_union_branches_of_named_types_take_their_simple_names() -> None:
    branches = [record(("a", "int"), name="x.Cat"), record(("b", "int"), name="x.Dog")]
    assert column_type(branches) == (
        "ROW<`Cat` ROW<`a` INT NOT NULL>, `Dog` ROW<`b` INT NOT NULL>> NOT NULL"
    )


def test_types_from_referenced_schemas() -> None:
    known = avro_types.named_types(record(("city", "string"), name="com.acme.Address"))
    fields = avro_types.fields_of(record(("home", "com.acme.Address")), known) or []
    assert fields[0].type.render() == "ROW<`city` STRING NOT NULL> NOT NULL"


def test_a_schema_that_is_not_a_record_has_no_fields() -> None:
    assert avro_types.fields_of("string") is None
    assert avro_types.type_of("string").render() == "STRING NOT NULL"
    assert avro_types.type_of(["null", "long"]).render() == "BIGINT"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (record(("next", ["null", "R"])), "record 'R' is recursive"),
        (record(("c", "null")), "a field of type null"),
        (record(("c", ["null"])), "a union of null alone"),
        (record(("c", "Nowhere")), "unknown Avro type 'Nowhere'"),
        (
            record(("c", {"type": "bytes", "logicalType": "decimal", "precision": 40})),
            "DECIMAL(40, 0) is outside Flink's range",
        ),
        (record(("c", record(name="Empty"))), "a record without fields"),
    ],
)
def test_schemas_without_a_flink_type_say_why(schema: Any, message: str) -> None:
    with pytest.raises(UnsupportedSchema, match=re.escape(message)):
        avro_types.fields_of(schema)


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(UnsupportedSchema, match="not a valid Avro schema"):
        avro_types.parse("{nope")
