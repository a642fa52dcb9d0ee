"""What an apply of a FlinkStateSnapshot would do: it is acted on once, when created."""

from __future__ import annotations

from typing import Any

from scurry.core.explain import Action, ChangePlan, Snapshot
from scurry.core.specdiff import FieldChange
from scurry.models.enums import DiffType
from scurry.models.resources import FlinkStateSnapshot
from scurry.models.spec import FlinkStateSnapshotSpec


def explain_snapshot(
    existing: FlinkStateSnapshot | None, desired: FlinkStateSnapshotSpec
) -> ChangePlan:
    """A FlinkStateSnapshot is acted on once: when it is created (TRIGGER_PENDING)."""
    kind = Snapshot.SAVEPOINT if desired.savepoint is not None else Snapshot.CHECKPOINT
    if existing is None:
        summary = f"CREATE ({kind} {_snapshot_target(desired)})"
        return ChangePlan(Action.CREATE, summary, snapshot=kind, notes=[_snapshot_note(desired)])
    old, new = existing.spec.to_wire(full=True), desired.to_wire(full=True)
    changes = tuple(_wire_changes("", old, new))
    if not changes:
        return ChangePlan(Action.NONE, "no change", snapshot=kind)
    return ChangePlan(
        Action.NONE,
        f"no change to the {kind} ({len(changes)} field(s) changed)",
        changes=changes,
        snapshot=kind,
        notes=[
            "a snapshot is triggered once, when created: changing its spec does not "
            f"trigger it again (its state is {existing.status.state})"
        ],
    )


def _snapshot_target(spec: FlinkStateSnapshotSpec) -> str:
    ref = spec.job_reference
    if ref is None or not ref.name:
        return "with no job reference"
    return f"of {ref.kind or 'FlinkDeployment'}/{ref.name}"


def _snapshot_note(spec: FlinkStateSnapshotSpec) -> str:
    savepoint = spec.savepoint
    if savepoint is not None and savepoint.already_exists:
        return f"registers the existing savepoint {savepoint.path} (COMPLETED at once)"
    where = ""
    if savepoint is not None:
        where = f" into {savepoint.path}" if savepoint.path else " into state.savepoints.dir"
    return f"triggered{where} if the job is RUNNING, else ABANDONED"


def _wire_changes(prefix: str, old: Any, new: Any) -> list[FieldChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[FieldChange] = []
        for key in sorted(set(old) | set(new)):
            path = f"{prefix}.{key}" if prefix else key
            found.extend(_wire_changes(path, old.get(key), new.get(key)))
        return found
    return [] if old == new else [FieldChange(prefix, old, new, DiffType.IGNORE)]
