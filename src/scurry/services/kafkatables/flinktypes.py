"""Flink SQL data types as the schema mappings build them, and identifier quoting.

A type is its SQL text plus whether it admits NULL; `render` writes it the
way a column or a ROW field declares it (`INT NOT NULL`). Nested types carry
their own nullability inside (`ARRAY<STRING NOT NULL>`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

MAX_DECIMAL_PRECISION = 38


class UnsupportedSchema(ValueError):
    """A schema has a construct with no Flink SQL type (a recursive record, ...)."""


@dataclass(frozen=True)
class FlinkType:
    sql: str
    nullable: bool = False

    def render(self) -> str:
        return self.sql if self.nullable else f"{self.sql} NOT NULL"

    def as_nullable(self) -> FlinkType:
        return replace(self, nullable=True)


@dataclass(frozen=True)
class Field:
    name: str
    type: FlinkType


def quote(identifier: str) -> str:
    """A Flink SQL identifier in backticks (a backtick inside is doubled)."""
    return "`" + identifier.replace("`", "``") + "`"


def literal(value: str) -> str:
    """A Flink SQL string literal (a quote inside is doubled)."""
    return "'" + value.replace("'", "''") + "'"


def scalar(sql: str, nullable: bool = False) -> FlinkType:
    return FlinkType(sql, nullable)


def array(element: FlinkType, nullable: bool = False) -> FlinkType:
    return FlinkType(f"ARRAY<{element.render()}>", nullable)


def map_of(key: FlinkType, value: FlinkType, nullable: bool = False) -> FlinkType:
    return FlinkType(f"MAP<{key.render()}, {value.render()}>", nullable)


def row(fields: Iterable[Field], nullable: bool = False) -> FlinkType:
    parts = [f"{quote(f.name)} {f.type.render()}" for f in fields]
    if not parts:
        raise UnsupportedSchema("a record without fields has no Flink SQL type")
    return FlinkType(f"ROW<{', '.join(parts)}>", nullable)


def decimal(precision: int, scale: int, nullable: bool = False) -> FlinkType:
    if not 1 <= precision <= MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
        raise UnsupportedSchema(
            f"DECIMAL({precision}, {scale}) is outside Flink's range "
            f"(precision 1..{MAX_DECIMAL_PRECISION}, scale 0..precision)"
        )
    return FlinkType(f"DECIMAL({precision}, {scale})", nullable)


STRING = scalar("STRING")
BYTES = scalar("BYTES")
BOOLEAN = scalar("BOOLEAN")
TINYINT = scalar("TINYINT")
SMALLINT = scalar("SMALLINT")
INT = scalar("INT")
BIGINT = scalar("BIGINT")
FLOAT = scalar("FLOAT")
DOUBLE = scalar("DOUBLE")
DATE = scalar("DATE")
