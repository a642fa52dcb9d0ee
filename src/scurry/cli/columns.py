"""The table columns `scurry get` prints for each kind (FKO's printer columns, plus AGE)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from scurry.cli.client import Obj
from scurry.cli.jsonpath import format_value, lookup
from scurry.cli.output import age
from scurry.models.resources import (
    CONFIG_MAP,
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    SECRET,
    KindInfo,
)

Cell = Callable[[Obj, datetime], str]


@dataclass(frozen=True)
class Column:
    header: str
    cell: Cell


def at(*path: str) -> Cell:
    """The value at `path`, blank when absent (as kubectl prints a CRD's printer columns)."""
    return lambda obj, _: format_value(lookup(obj, path))


def _age(obj: Obj, now: datetime) -> str:
    return age(obj.get("metadata", {}).get("creationTimestamp"), now)


def _job_reference(obj: Obj, _: datetime) -> str:
    ref = obj.get("spec", {}).get("jobReference") or {}
    return f"{ref.get('kind', '')}/{ref.get('name', '')}" if ref else ""


def _snapshot_type(obj: Obj, _: datetime) -> str:
    spec = obj.get("spec", {})
    return "savepoint" if "savepoint" in spec else "checkpoint" if "checkpoint" in spec else ""


NAME = Column("NAME", at("metadata", "name"))
NAMESPACE = Column("NAMESPACE", at("metadata", "namespace"))
AGE = Column("AGE", _age)
JOB_STATUS = Column("JOB STATUS", at("status", "jobStatus", "state"))
LIFECYCLE = Column("LIFECYCLE STATE", at("status", "lifecycleState"))
PARALLELISM = Column("PARALLELISM", at("spec", "job", "parallelism"))
JOB_ID = Column("JOB ID", at("status", "jobStatus", "jobId"))

_DEPLOYMENT: tuple[Column, ...] = (JOB_STATUS, LIFECYCLE, AGE)
_DEPLOYMENT_WIDE: tuple[Column, ...] = (
    Column("JM STATUS", at("status", "jobManagerDeploymentStatus")),
    PARALLELISM,
    Column("TASKMANAGERS", at("status", "taskManager", "replicas")),
    Column("FLINK VERSION", at("status", "clusterInfo", "flink-version")),
    JOB_ID,
)
_SESSION_JOB_WIDE: tuple[Column, ...] = (
    Column("DEPLOYMENT", at("spec", "deploymentName")),
    PARALLELISM,
    JOB_ID,
)
_SNAPSHOT: tuple[Column, ...] = (
    Column("PATH", at("status", "path")),
    Column("RESULT TIMESTAMP", at("status", "resultTimestamp")),
    Column("SNAPSHOT STATE", at("status", "state")),
    AGE,
)
_SNAPSHOT_WIDE: tuple[Column, ...] = (Column("TYPE", _snapshot_type), Column("JOB", _job_reference))


def _data_count(obj: Obj, _: datetime) -> str:
    return str(len(obj.get("data") or {}) + len(obj.get("binaryData") or {}))


DATA = Column("DATA", _data_count)
_CONFIG_MAP: tuple[Column, ...] = (DATA, AGE)
_SECRET: tuple[Column, ...] = (Column("TYPE", at("type")), DATA, AGE)


def columns_for(info: KindInfo, *, wide: bool, all_namespaces: bool) -> list[Column]:
    own: tuple[Column, ...]
    extra: tuple[Column, ...]
    if info is CONFIG_MAP:
        own, extra = _CONFIG_MAP, ()
    elif info is SECRET:
        own, extra = _SECRET, ()
    elif info is FLINK_DEPLOYMENT:
        own, extra = _DEPLOYMENT, _DEPLOYMENT_WIDE
    elif info is FLINK_SESSION_JOB:
        own, extra = _DEPLOYMENT, _SESSION_JOB_WIDE
    else:
        own, extra = _SNAPSHOT, _SNAPSHOT_WIDE
    first = [NAMESPACE, NAME] if all_namespaces else [NAME]
    return [*first, *own, *(extra if wide else ())]


def tabulate(
    objs: Sequence[Obj], columns: Sequence[Column], now: datetime
) -> tuple[list[str], list[list[str]]]:
    headers = [column.header for column in columns]
    return headers, [[column.cell(obj, now) for column in columns] for obj in objs]
