"""JSON Schemas to Flink SQL types, one construct at a time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scurry.services.kafkatables import jsonschema_types
from scurry.services.kafkatables.flinktypes import UnsupportedSchema


def column_type(prop: Any, required: bool = True, **root: Any) -> str:
    document = {
        "type": "object",
        "properties": {"c": prop},
        "required": ["c"] if required else [],
        **root,
    }
    (only,) = jsonschema_types.fields_of(document) or []
    return only.type.render()


@pytest.mark.parametrize(
    ("prop", "flink"),
    [
        ({"type": "string"}, "STRING NOT NULL"),
        ({"type": "string", "format": "date"}, "DATE NOT NULL"),
        ({"type": "string", "format": "time"}, "TIME(3) NOT NULL"),
        ({"type": "string", "format": "date-time"}, "TIMESTAMP_LTZ(3) NOT NULL"),
        ({"type": "string", "format": "email"}, "STRING NOT NULL"),
        ({"type": "string", "connect.type": "bytes"}, "BYTES NOT NULL"),
        ({"type": "integer"}, "BIGINT NOT NULL"),
        ({"type": "integer", "connect.type": "int8"}, "TINYINT NOT NULL"),
        ({"type": "integer", "connect.type": "int16"}, "SMALLINT NOT NULL"),
        ({"type": "integer", "connect.type": "int32"}, "INT NOT NULL"),
        ({"type": "number"}, "DOUBLE NOT NULL"),
        ({"type": "number", "connect.type": "float32"}, "FLOAT NOT NULL"),
        ({"type": "boolean"}, "BOOLEAN NOT NULL"),
        (
            {"type": "integer", "title": "org.apache.kafka.connect.data.Timestamp"},
            "TIMESTAMP_LTZ(3) NOT NULL",
        ),
        ({"type": "integer", "title": "org.apache.kafka.connect.data.Date"}, "DATE NOT NULL"),
        ({"type": ["null", "string"]}, "STRING"),
        ({"type": ["integer", "null"]}, "BIGINT"),
        ({"oneOf": [{"type": "null"}, {"type": "number"}]}, "DOUBLE"),
        ({"anyOf": [{"type": "boolean"}, {"type": "null"}]}, "BOOLEAN"),
        ({"allOf": [{"type": "string"}]}, "STRING NOT NULL"),
        ({"enum": ["a", "b"]}, "STRING NOT NULL"),
        ({"type": "array", "items": {"type": "integer"}}, "ARRAY<BIGINT NOT NULL> NOT NULL"),
        ({"type": "array", "items": {"type": ["null", "string"]}}, "ARRAY<STRING> NOT NULL"),
        (
            {"type": "object", "additionalProperties": {"type": "number"}},
            "MAP<STRING NOT NULL, DOUBLE NOT NULL> NOT NULL",
        ),
        (
            {
                "type": "object",
                "properties": {"x": {"type": "integer"}, "y": {"type": "string"}},
                "required": ["x"],
            },
            "ROW<`x` BIGINT NOT NULL, `y` STRING> NOT NULL",
        ),
        ({"properties": {"x": {"type": "boolean"}}}, "ROW<`x` BOOLEAN> NOT NULL"),
    ],
)
def test_types(prop: Any, flink: str) -> None:
    assert column_type(prop) == flink


def test_a_property_that_is_not_required_is_nullable() -> None:
    assert column_type({"type": "string"}, required=False) == "STRING"


@pytest.mark.parametrize("where", ["definitions", "$defs"])
def test_refs_within_the_document(where: str) -> None:
    point = {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}
    found = column_type({"$ref": f"#/{where}/Point"}, **{where: {"Point": point}})
    assert found == "ROW<`x` DOUBLE NOT NULL> NOT NULL"


def test_a_root_that_is_a_ref() -> None:
    document = {
        "$ref": "#/definitions/Order",
        "definitions": {"Order": {"type": "object", "properties": {"id": {"type": "integer"}}}},
    }
    fields = jsonschema_types.fields_of(document) or []
    assert [(f.name, f.type.render()) for f in fields] == [("id", "BIGINT")]


def test_properties_keep_their_order() -> None:
    document = jsonschema_types.parse(
        '{"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "string"}}}'
    )
    assert [f.name for f in jsonschema_types.fields_of(document) or []] == ["z", "a"]


def test_a_root_that_is_not_an_object_has_no_fields() -> None:
    assert jsonschema_types.fields_of({"type": "string"}) is None
    assert jsonschema_types.type_of({"type": "string"}).render() == "STRING NOT NULL"


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        ({"$ref": "#/definitions/Node"}, "$ref '#/definitions/Node' is recursive"),
        ({"$ref": "other.json#/x"}, "points outside the schema"),
        ({"$ref": "#/definitions/Nothing"}, "points at nothing"),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, "oneOf with 2 non-null branches"),
        ({"type": ["string", "integer"]}, "has no single Flink SQL type"),
        ({"type": "object"}, "an object without properties"),
        ({"type": "array"}, "an array without one `items` schema"),
        ({"type": "null"}, "has no single Flink SQL type"),
        ({"enum": [1, 2]}, "an enum of values other than strings"),
    ],
)
def test_schemas_without_a_flink_type_say_why(prop: Any, message: str) -> None:
    node = {"type": "object", "properties": {"next": {"$ref": "#/definitions/Node"}}}
    with pytest.raises(UnsupportedSchema, match=re.escape(message)):
        column_type(prop, definitions={"Node": node})


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(UnsupportedSchema, match="not a valid JSON Schema"):
        jsonschema_types.parse("{nope")
