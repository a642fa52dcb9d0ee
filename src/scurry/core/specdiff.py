"""What a spec change demands: FKO's @SpecDiff rules as one table.

Fields not in the table demand an UPGRADE; the change as a whole demands the
most any of its fields does (DiffType is ordered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scurry.config.flinkconf import flatten
from scurry.models.enums import DeploymentMode, DiffType
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec

Rule = Callable[[DeploymentMode], DiffType]


def _fixed(kind: DiffType) -> Rule:
    return lambda _mode: kind


def _scale_if_standalone(mode: DeploymentMode) -> DiffType:
    return DiffType.SCALE if mode is DeploymentMode.STANDALONE else DiffType.UPGRADE


def _scale_if_native(mode: DeploymentMode) -> DiffType:
    return DiffType.SCALE if mode is DeploymentMode.NATIVE else DiffType.UPGRADE


FIELD_RULES: dict[str, Rule] = {
    "job.parallelism": _scale_if_standalone,
    "job.savepointTriggerNonce": _fixed(DiffType.IGNORE),
    "job.initialSavepointPath": _fixed(DiffType.IGNORE),
    "job.checkpointTriggerNonce": _fixed(DiffType.IGNORE),
    "job.upgradeMode": _fixed(DiffType.IGNORE),
    "job.allowNonRestoredState": _fixed(DiffType.IGNORE),
    "job.autoscalerResetNonce": _fixed(DiffType.IGNORE),
    "job.savepointRedeployNonce": _fixed(DiffType.SAVEPOINT_REDEPLOY),
    "taskManager.replicas": _scale_if_standalone,
}
# Setting these to null is not a change (FKO's onNullIgnore).
NULL_IGNORED = frozenset({"restartNonce", "job.savepointRedeployNonce"})
IGNORED_CONFIG_PREFIXES = ("job.autoscaler", "parallelism.default", "kubernetes.operator")
SCALE_CONFIG_KEY = "pipeline.jobvertex-parallelism-overrides"


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any
    type: DiffType


@dataclass(frozen=True)
class SpecDiff:
    changes: tuple[FieldChange, ...]

    @property
    def type(self) -> DiffType:
        return max((c.type for c in self.changes), default=DiffType.IGNORE)

    def describe(self, kind: str) -> str:
        """FKO's diff text: `Diff: FlinkDeploymentSpec[job.parallelism : 1 -> 2]`."""
        shown = [c for c in self.changes if c.type is not DiffType.IGNORE] or list(self.changes)
        parts = ", ".join(f"{c.path} : {_show(c.old)} -> {_show(c.new)}" for c in shown)
        return f"Diff: {kind}Spec[{parts}]"


def _show(value: Any) -> str:
    return "null" if value is None else str(value)


def diff_specs(
    old: FlinkDeploymentSpec | FlinkSessionJobSpec,
    new: FlinkDeploymentSpec | FlinkSessionJobSpec,
    mode: DeploymentMode = DeploymentMode.NATIVE,
) -> SpecDiff:
    old_wire, new_wire = old.to_wire(full=True), new.to_wire(full=True)
    old_conf = flatten(old_wire.pop("flinkConfiguration", None))
    new_conf = flatten(new_wire.pop("flinkConfiguration", None))
    changes = list(_diff_tree("", old_wire, new_wire, mode))
    changes.extend(_diff_config(old_conf, new_conf, mode))
    return SpecDiff(tuple(changes))


def _diff_tree(prefix: str, old: Any, new: Any, mode: DeploymentMode) -> list[FieldChange]:
    rule = FIELD_RULES.get(prefix)
    if rule is None and isinstance(old, dict) and isinstance(new, dict):
        found: list[FieldChange] = []
        for key in sorted(set(old) | set(new)):
            path = f"{prefix}.{key}" if prefix else key
            found.extend(_diff_tree(path, old.get(key), new.get(key), mode))
        return found
    if old == new:
        return []
    if new is None and prefix in NULL_IGNORED:
        return [FieldChange(prefix, old, new, DiffType.IGNORE)]
    kind = rule(mode) if rule else DiffType.UPGRADE
    return [FieldChange(prefix, old, new, kind)]


def _diff_config(
    old: dict[str, str], new: dict[str, str], mode: DeploymentMode
) -> list[FieldChange]:
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        changes.append(
            FieldChange(
                f"flinkConfiguration.{key}", old.get(key), new.get(key), _config_rule(key, mode)
            )
        )
    return changes


def _config_rule(key: str, mode: DeploymentMode) -> DiffType:
    if key.startswith(IGNORED_CONFIG_PREFIXES):
        return DiffType.IGNORE
    if key == SCALE_CONFIG_KEY:
        return _scale_if_native(mode)
    return DiffType.UPGRADE
