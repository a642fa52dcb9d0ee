"""FileDescriptorProtos for tests, built the way protoc would from a .proto file."""

from __future__ import annotations

import base64

from google.protobuf import descriptor_pb2

F = descriptor_pb2.FieldDescriptorProto


def message(
    name: str,
    *fields: F,
    nested: tuple[descriptor_pb2.DescriptorProto, ...] = (),
    oneofs: tuple[str, ...] = (),
) -> descriptor_pb2.DescriptorProto:
    found = descriptor_pb2.DescriptorProto(name=name)
    found.field.extend(fields)
    found.nested_type.extend(nested)
    for oneof in oneofs:
        found.oneof_decl.add(name=oneof)
    return found


def field(
    name: str,
    number: int,
    kind: int,
    *,
    type_name: str = "",
    repeated: bool = False,
    optional: bool = False,
    oneof: int | None = None,
) -> F:
    found = F(name=name, number=number, type=kind, type_name=type_name)
    found.label = F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL
    if optional:  # proto3 `optional`: a synthetic oneof of its own
        found.proto3_optional = True
        found.oneof_index = 0
    if oneof is not None:
        found.oneof_index = oneof
    return found


def map_entry(
    name: str, key: int, value: int, value_type: str = ""
) -> descriptor_pb2.DescriptorProto:
    entry = message(name, field("key", 1, key), field("value", 2, value, type_name=value_type))
    entry.options.map_entry = True
    return entry


def file(
    *messages: descriptor_pb2.DescriptorProto, package: str = "shop", syntax: str = "proto3"
) -> descriptor_pb2.FileDescriptorProto:
    found = descriptor_pb2.FileDescriptorProto(name="shop.proto", package=package, syntax=syntax)
    found.message_type.extend(messages)
    return found


def serialized(proto: descriptor_pb2.FileDescriptorProto) -> str:
    """Schema Registry's serialized form: the descriptor's bytes in base64."""
    return base64.b64encode(proto.SerializeToString()).decode()
