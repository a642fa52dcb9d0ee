"""Protobuf schemas to Flink SQL types.

Schema Registry hands Protobuf schemas out in its `serialized` form (a
base64 FileDescriptorProto), which the protobuf runtime reads without a
.proto parser. The table's record is the file's first message, as
Confluent's serializers assume when a record carries no message index.

proto3 scalars are NOT NULL (they always have a value), fields marked
`optional` and message fields are nullable; repeated fields are NOT NULL
arrays and map fields NOT NULL maps. A `oneof` becomes one nullable ROW
named after it, holding its fields (each nullable). Well-known types:
Timestamp -> TIMESTAMP_LTZ(9), the wrappers -> their nullable scalar,
google.type.Date -> DATE, google.type.TimeOfDay -> TIME(3). Unsigned
integers widen so every value fits (uint32 -> BIGINT, uint64 -> DECIMAL(20, 0)).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from scurry.services.kafkatables import flinktypes as t
from scurry.services.kafkatables.flinktypes import FlinkType, UnsupportedSchema

F = descriptor_pb2.FieldDescriptorProto
UNSIGNED_64 = t.decimal(20, 0)
SCALARS: dict[int, FlinkType] = {
    F.TYPE_DOUBLE: t.DOUBLE,
    F.TYPE_FLOAT: t.FLOAT,
    F.TYPE_INT64: t.BIGINT,
    F.TYPE_UINT64: UNSIGNED_64,
    F.TYPE_INT32: t.INT,
    F.TYPE_FIXED64: UNSIGNED_64,
    F.TYPE_FIXED32: t.BIGINT,
    F.TYPE_BOOL: t.BOOLEAN,
    F.TYPE_STRING: t.STRING,
    F.TYPE_BYTES: t.BYTES,
    F.TYPE_UINT32: t.BIGINT,
    F.TYPE_ENUM: t.STRING,
    F.TYPE_SFIXED32: t.INT,
    F.TYPE_SFIXED64: t.BIGINT,
    F.TYPE_SINT32: t.INT,
    F.TYPE_SINT64: t.BIGINT,
}
WELL_KNOWN: dict[str, FlinkType] = {
    ".google.protobuf.Timestamp": t.scalar("TIMESTAMP_LTZ(9)", nullable=True),
    ".google.protobuf.DoubleValue": t.DOUBLE.as_nullable(),
    ".google.protobuf.FloatValue": t.FLOAT.as_nullable(),
    ".google.protobuf.Int64Value": t.BIGINT.as_nullable(),
    ".google.protobuf.UInt64Value": UNSIGNED_64.as_nullable(),
    ".google.protobuf.Int32Value": t.INT.as_nullable(),
    ".google.protobuf.UInt32Value": t.BIGINT.as_nullable(),
    ".google.protobuf.BoolValue": t.BOOLEAN.as_nullable(),
    ".google.protobuf.StringValue": t.STRING.as_nullable(),
    ".google.protobuf.BytesValue": t.BYTES.as_nullable(),
    ".google.type.Date": t.DATE.as_nullable(),
    ".google.type.TimeOfDay": t.scalar("TIME(3)", nullable=True),
}


def parse(serialized: str) -> descriptor_pb2.FileDescriptorProto:
    """A FileDescriptorProto from Schema Registry's serialized (base64) form."""
    try:
        raw = base64.b64decode(serialized, validate=True)
        parsed = descriptor_pb2.FileDescriptorProto()
        parsed.ParseFromString(raw)
    except (binascii.Error, DecodeError, ValueError):
        raise UnsupportedSchema(
            "the Protobuf schema is not in Schema Registry's serialized form (base64 "
            "FileDescriptorProto)"
        ) from None
    return parsed


def fields_of(
    file: descriptor_pb2.FileDescriptorProto,
    imported: Iterable[descriptor_pb2.FileDescriptorProto] = (),
) -> list[t.Field]:
    """The columns of the file's first message (`imported`: files of its references)."""
    if not file.message_type:
        raise UnsupportedSchema("the Protobuf schema defines no message")
    walker = _Walker(file.syntax != "proto2")
    for other in (*imported, file):
        walker.index(other)
    first = _full(file.package, file.message_type[0].name)
    return walker.message_fields(first)


@dataclass
class _Walker:
    proto3: bool
    messages: dict[str, descriptor_pb2.DescriptorProto] = field(default_factory=dict)
    expanding: list[str] = field(default_factory=list)

    def index(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        for message in file.message_type:
            self._index_message(_full(file.package, message.name), message)

    def _index_message(self, name: str, message: descriptor_pb2.DescriptorProto) -> None:
        self.messages[name] = message
        for nested in message.nested_type:
            self._index_message(f"{name}.{nested.name}", nested)

    def message_fields(self, name: str) -> list[t.Field]:
        if name in self.expanding:
            raise UnsupportedSchema(f"message {name.lstrip('.')!r} is recursive")
        message = self.messages.get(name)
        if message is None:
            raise UnsupportedSchema(f"message {name.lstrip('.')!r} is not in the schema")
        self.expanding.append(name)
        try:
            return self._fields(message)
        finally:
            self.expanding.pop()

    def _fields(self, message: descriptor_pb2.DescriptorProto) -> list[t.Field]:
        placed: list[t.Field | int] = []
        oneofs: dict[int, list[t.Field]] = {}
        for f in message.field:
            converted = t.Field(f.name, self.field_type(f))
            if not f.HasField("oneof_index") or f.proto3_optional:
                placed.append(converted)
                continue
            if f.oneof_index not in oneofs:
                placed.append(f.oneof_index)  # the oneof takes its first field's place
            members = oneofs.setdefault(f.oneof_index, [])
            members.append(t.Field(f.name, converted.type.as_nullable()))
        return [p if isinstance(p, t.Field) else _oneof(message, p, oneofs[p]) for p in placed]

    def field_type(self, f: descriptor_pb2.FieldDescriptorProto) -> FlinkType:
        if f.type == F.TYPE_GROUP:
            raise UnsupportedSchema(f"field {f.name!r}: proto2 groups are not supported")
        if f.label == F.LABEL_REPEATED:
            entry = self.messages.get(f.type_name) if f.type == F.TYPE_MESSAGE else None
            if entry is not None and entry.options.map_entry:
                key, value = entry.field[0], entry.field[1]
                return t.map_of(self.element(key), self.element(value))
            return t.array(self.element(f))
        converted = self.element(f)
        optional = f.proto3_optional or (not self.proto3 and f.label == F.LABEL_OPTIONAL)
        return converted.as_nullable() if optional else converted

    def element(self, f: descriptor_pb2.FieldDescriptorProto) -> FlinkType:
        """The field's type on its own: scalars NOT NULL, messages nullable."""
        if f.type != F.TYPE_MESSAGE:
            return SCALARS[f.type]
        if f.type_name in WELL_KNOWN:
            return WELL_KNOWN[f.type_name]
        return t.row(self.message_fields(f.type_name), nullable=True)


def _oneof(message: descriptor_pb2.DescriptorProto, index: int, members: list[t.Field]) -> t.Field:
    return t.Field(message.oneof_decl[index].name, t.row(members, nullable=True))


def _full(package: str, name: str) -> str:
    return f".{package}.{name}" if package else f".{name}"
