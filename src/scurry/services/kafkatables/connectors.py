"""Which connector and format jars a set of tables needs, and which the connectors directory lacks.

The Flink wheels carry neither the Kafka connector nor the registry formats.
scurry loads extra jars from one directory (`SCURRY_CONNECTORS_DIR`, default
`$SCURRY_HOME/connectors`). A jar counts as present when it holds the class
that provides the connector or format (whatever the file is called), or,
for formats no Apache Flink release provides, when its file name contains
the format's identifier.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scurry.services.kafkatables.tables import KafkaTable


@dataclass(frozen=True)
class Requirement:
    name: str  # the connector or format identifier
    what: str  # what to download
    classes: tuple[str, ...] = ()
    file_hint: str | None = None


REQUIREMENTS = {
    "kafka": Requirement(
        "kafka",
        "the Kafka SQL connector (Maven: org.apache.flink:flink-sql-connector-kafka, a release "
        "built for this Flink version)",
        classes=(
            "org/apache/flink/streaming/connectors/kafka/table/KafkaDynamicTableFactory.class",
        ),
    ),
    "avro-confluent": Requirement(
        "avro-confluent",
        "the Avro Schema Registry format (Maven: "
        "org.apache.flink:flink-sql-avro-confluent-registry, the same version as Flink)",
        classes=(
            "org/apache/flink/formats/avro/registry/confluent/RegistryAvroFormatFactory.class",
        ),
    ),
    "json-confluent": Requirement(
        "json-confluent",
        "a JSON Schema Registry format jar providing 'json-confluent' (no Apache Flink release "
        "has one; its file name must contain json-confluent)",
        file_hint="json-confluent",
    ),
    "protobuf-confluent": Requirement(
        "protobuf-confluent",
        "a Protobuf Schema Registry format jar providing 'protobuf-confluent' (no Apache Flink "
        "release has one; its file name must contain protobuf-confluent)",
        file_hint="protobuf-confluent",
    ),
}


@dataclass(frozen=True)
class MissingJar:
    requirement: Requirement
    tables: tuple[str, ...]  # `catalog`.`database`.`table` names that need it

    def message(self, directory: Path) -> str:
        used_by = ", ".join(self.tables[:3]) + (" and others" if len(self.tables) > 3 else "")
        kind = "connector" if self.requirement.name == "kafka" else "format"
        verb = "needs" if len(self.tables) == 1 else "need"
        return (
            f"{used_by} {verb} the '{self.requirement.name}' {kind}, which is not in "
            f"{directory}: put {self.requirement.what} there"
        )


def needed(tables: Iterable[KafkaTable]) -> dict[str, list[str]]:
    """Requirement name -> the tables that need it (built-in formats such as raw need nothing)."""
    found: dict[str, list[str]] = {}
    for table in tables:
        full = f"{table.catalog}.{table.database}.{table.name}"
        for name in (table.option("connector") or "", *table.formats):
            if name in REQUIREMENTS and full not in found.setdefault(name, []):
                found[name].append(full)
    return found


def missing(tables: Iterable[KafkaTable], directory: Path) -> list[MissingJar]:
    """What `tables` need that no jar in `directory` provides."""
    wanted = needed(tables)
    if not wanted:
        return []
    jars = _jars(directory)
    return [
        MissingJar(REQUIREMENTS[name], tuple(users))
        for name, users in wanted.items()
        if not any(_provides(jar, entries, REQUIREMENTS[name]) for jar, entries in jars.items())
    ]


def jar_paths(directory: Path) -> list[Path]:
    """The jars in `directory` (for `pipeline.jars` or a class path), sorted."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix == ".jar" and p.is_file())


def _jars(directory: Path) -> dict[Path, frozenset[str]]:
    found: dict[Path, frozenset[str]] = {}
    for jar in jar_paths(directory):
        try:
            with zipfile.ZipFile(jar) as archive:
                found[jar] = frozenset(archive.namelist())
        except (OSError, zipfile.BadZipFile):
            found[jar] = frozenset()  # unreadable: only its name can count
    return found


def _provides(jar: Path, entries: frozenset[str], requirement: Requirement) -> bool:
    if any(cls in entries for cls in requirement.classes):
        return True
    return requirement.file_hint is not None and requirement.file_hint in jar.name


def explain(tables: Iterable[KafkaTable], directory: Path) -> str | None:
    """One message naming every missing jar and where to put it; None when nothing is missing."""
    gaps = missing(tables, directory)
    return "; ".join(gap.message(directory) for gap in gaps) or None
