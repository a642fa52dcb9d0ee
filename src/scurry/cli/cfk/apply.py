"""Applying CFK manifests: check them all, then create or update each through the CMF API.

Environments go first, then applications, whatever the order of the
documents (an application needs its environment). Nothing is written when a
document is bad or an application names an environment that neither exists
nor is being applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scurry.cli.cfk import api
from scurry.cli.cfk.views import application_view, environment_view
from scurry.cli.client import ApiClient
from scurry.errors import NotFound
from scurry.models.cfk import FLINK_APPLICATION, FLINK_ENVIRONMENT, REST_CLASS, Mapped, Obj


@dataclass(frozen=True)
class CfkApplied:
    display: str
    action: str  # created | configured | unchanged | ignored
    obj: Obj


def rehearse(client: ApiClient, mapped: Sequence[Mapped]) -> None:
    """Refuse the batch if an application's environment is nowhere to be found."""
    batch = {m.name for m in mapped if m.kind is FLINK_ENVIRONMENT}
    for item in mapped:
        env = item.environment
        if item.kind is not FLINK_APPLICATION or env is None or env in batch:
            continue
        if api.find(client, api.environment_path(env)) is None:
            raise NotFound(
                f'FlinkApplication/{item.name}: spec.flinkEnvironment: environment "{env}" '
                "not found (apply its FlinkEnvironment first, or in the same batch)"
            )


def apply_all(client: ApiClient, mapped: Sequence[Mapped], *, dry_run: bool) -> list[CfkApplied]:
    """Environments, then applications, then the ignored rest; each written unless `dry_run`."""
    order = {FLINK_ENVIRONMENT.kind: 0, FLINK_APPLICATION.kind: 1, REST_CLASS.kind: 2}
    results = []
    for item in sorted(mapped, key=lambda m: order[m.kind.kind]):
        if item.kind is REST_CLASS:
            results.append(CfkApplied(item.display, "ignored", {}))
        elif item.kind is FLINK_ENVIRONMENT:
            results.append(_environment(client, item, dry_run))
        else:
            results.append(_application(client, item, dry_run))
    return results


def _environment(client: ApiClient, item: Mapped, dry_run: bool) -> CfkApplied:
    current = api.find(client, api.environment_path(item.name))
    action = _action(current, _environment_same(current, item.body))
    if dry_run or action == "unchanged":
        return CfkApplied(item.display, action, environment_view(current or item.body))
    stored = api.upsert_environment(client, item.body)
    return CfkApplied(item.display, action, environment_view(stored))


def _application(client: ApiClient, item: Mapped, dry_run: bool) -> CfkApplied:
    env = item.environment or ""
    current = api.find(client, api.application_path(env, item.name))
    action = _action(current, _application_same(current, item.body))
    if dry_run or action == "unchanged":
        return CfkApplied(item.display, action, application_view(current or item.body, env))
    stored = api.upsert_application(client, env, item.body)
    return CfkApplied(item.display, action, application_view(stored, env))


def _action(current: Obj | None, same: bool) -> str:
    if current is None:
        return "created"
    return "unchanged" if same else "configured"


def _environment_same(current: Obj | None, body: Obj) -> bool:
    if current is None:
        return False
    fields = [key for key in body if key not in ("name", "metadata")]
    return all(current.get(key) == body[key] for key in fields) and _labels_same(
        current.get("metadata"), body.get("metadata")
    )


def _application_same(current: Obj | None, body: Obj) -> bool:
    if current is None:
        return False
    return current.get("spec") == body["spec"] and _labels_same(
        current.get("metadata"), body["metadata"]
    )


def _labels_same(current: object, desired: object) -> bool:
    have = current if isinstance(current, dict) else {}
    want = desired if isinstance(desired, dict) else {}
    return all((have.get(k) or {}) == (want.get(k) or {}) for k in ("labels", "annotations"))


def ignored_notes(mapped: Sequence[Mapped]) -> list[str]:
    """One warning per document with fields that have no meaning here."""
    notes = []
    for item in mapped:
        if item.kind is REST_CLASS:
            notes.append(
                f"Warning: {item.kind.kind}/{item.name} is ignored: scurry serves the CMF API "
                "itself, so there is no CMF endpoint to configure"
            )
        elif item.ignored:
            fields = ", ".join(item.ignored)
            notes.append(
                f"Warning: {item.kind.kind}/{item.name}: ignored (no meaning outside CFK): {fields}"
            )
    return notes
