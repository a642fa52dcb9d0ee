"""Protobuf schemas (as Schema Registry serializes them) to Flink SQL types."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor_pb2 import DescriptorProto
from protokit import F, field, file, map_entry, message, serialized

from scurry.services.kafkatables import protobuf_types
from scurry.services.kafkatables.flinktypes import UnsupportedSchema


def columns(
    *fields: F,
    syntax: str = "proto3",
    nested: tuple[DescriptorProto, ...] = (),
    oneofs: tuple[str, ...] = (),
) -> dict[str, str]:
    proto = file(message("Order", *fields, nested=nested, oneofs=oneofs), syntax=syntax)
    parsed = protobuf_types.parse(serialized(proto))
    return {f.name: f.type.render() for f in protobuf_types.fields_of(parsed)}


@pytest.mark.parametrize(
    ("kind", "flink"),
    [
        (F.TYPE_DOUBLE, "DOUBLE NOT NULL"),
        (F.TYPE_FLOAT, "FLOAT NOT NULL"),
        (F.TYPE_INT32, "INT NOT NULL"),
        (F.TYPE_SINT32, "INT NOT NULL"),
        (F.TYPE_SFIXED32, "INT NOT NULL"),
        (F.TYPE_INT64, "BIGINT NOT NULL"),
        (F.TYPE_SINT64, "BIGINT NOT NULL"),
        (F.TYPE_SFIXED64, "BIGINT NOT NULL"),
        (F.TYPE_UINT32, "BIGINT NOT NULL"),
        (F.TYPE_FIXED32, "BIGINT NOT NULL"),
        (F.TYPE_UINT64, "DECIMAL(20, 0) NOT NULL"),
        (F.TYPE_FIXED64, "DECIMAL(20, 0) NOT NULL"),
        (F.TYPE_BOOL, "BOOLEAN NOT NULL"),
        (F.TYPE_STRING, "STRING NOT NULL"),
        (F.TYPE_BYTES, "BYTES NOT NULL"),
        (F.TYPE_ENUM, "STRING NOT NULL"),
    ],
)
def test_scalars(kind: int, flink: str) -> None:
    assert columns(field("c", 1, kind)) == {"c": flink}


def test_proto3_optional_and_proto2_optional_are_nullable() -> None:
    assert columns(field("c", 1, F.TYPE_INT32, optional=True), oneofs=("_c",)) == {"c": "INT"}
    assert columns(field("c", 1, F.TYPE_INT32), syntax="proto2") == {"c": "INT"}


@pytest.mark.parametrize(
    ("type_name", "flink"),
    [
        (".google.protobuf.Timestamp", "TIMESTAMP_LTZ(9)"),
        (".google.protobuf.StringValue", "STRING"),
        (".google.protobuf.Int64Value", "BIGINT"),
        (".google.protobuf.UInt64Value", "DECIMAL(20, 0)"),
        (".google.protobuf.BoolValue", "BOOLEAN"),
        (".google.protobuf.BytesValue", "BYTES"),
        (".google.type.Date", "DATE"),
        (".google.type.TimeOfDay", "TIME(3)"),
    ],
)
def test_well_known_types(type_name: str, flink: str) -> None:
    assert columns(field("c", 1, F.TYPE_MESSAGE, type_name=type_name)) == {"c": flink}


def test_repeated_fields_are_arrays() -> None:
    assert columns(field("tags", 1, F.TYPE_STRING, repeated=True)) == {
        "tags": "ARRAY<STRING NOT NULL> NOT NULL"
    }


def test_map_fields_are_maps() -> None:
    entry = map_entry("PricesEntry", F.TYPE_STRING, F.TYPE_DOUBLE)
    found = columns(
        field("prices", 1, F.TYPE_MESSAGE, type_name=".shop.Order.PricesEntry", repeated=True),
        nested=(entry,),
    )
    assert found == {"prices": "MAP<STRING NOT NULL, DOUBLE NOT NULL> NOT NULL"}


def test_nested_messages_are_nullable_rows() -> None:
    line = message("Line", field("sku", 1, F.TYPE_STRING), field("qty", 2, F.TYPE_INT32))
    found = columns(
        field("first", 1, F.TYPE_MESSAGE, type_name=".shop.Order.Line"),
        field("lines", 2, F.TYPE_MESSAGE, type_name=".shop.Order.Line", repeated=True),
        nested=(line,),
    )
    row = "ROW<`sku` STRING NOT NULL, `qty` INT NOT NULL>"
    assert found == {"first": row, "lines": f"ARRAY<{row}> NOT NULL"}


def test_a_oneof_is_one_nullable_row_in_the_place_of_its_first_field() -> None:
    found = columns(
        field("id", 1, F.TYPE_INT64),
        field("card", 2, F.TYPE_STRING, oneof=0),
        field("note", 3, F.TYPE_STRING),
        field("iban", 4, F.TYPE_STRING, oneof=0),
        oneofs=("payment",),
    )
    assert list(found.items()) == [
        ("id", "BIGINT NOT NULL"),
        ("payment", "ROW<`card` STRING, `iban` STRING>"),
        ("note", "STRING NOT NULL"),
    ]


def test_the_first_message_of_the_file_is_the_record() -> None:
    proto = file(message("Order", field("id", 1, F.TYPE_INT64)), message("Other"))
    fields = protobuf_types.fields_of(protobuf_types.parse(serialized(proto)))
    assert [f.name for f in fields] == ["id"]


def test_messages_of_referenced_files() -> None:
    money = file(message("Money", field("cents", 1, F.TYPE_INT64)), package="common")
    order = file(message("Order", field("total", 1, F.TYPE_MESSAGE, type_name=".common.Money")))
    fields = protobuf_types.fields_of(order, [money])
    assert fields[0].type.render() == "ROW<`cents` BIGINT NOT NULL>"


@pytest.mark.parametrize(
    ("fields", "message_text"),
    [
        ((field("next", 1, F.TYPE_MESSAGE, type_name=".shop.Order"),), "is recursive"),
        ((field("m", 1, F.TYPE_MESSAGE, type_name=".other.Thing"),), "is not in the schema"),
        ((field("g", 1, F.TYPE_GROUP),), "proto2 groups are not supported"),
    ],
)
def test_schemas_without_a_flink_type_say_why(fields: tuple[F, ...], message_text: str) -> None:
    with pytest.raises(UnsupportedSchema, match=message_text):
        columns(*fields)


def test_proto_text_is_refused_with_the_reason() -> None:
    with pytest.raises(UnsupportedSchema, match="serialized form"):
        protobuf_types.parse('syntax = "proto3"; message Order { int64 id = 1; }')


def test_a_file_without_messages() -> None:
    with pytest.raises(UnsupportedSchema, match="defines no message"):
        protobuf_types.fields_of(file())
