"""CMF environments and applications shown as the CFK resources that declare them."""

from __future__ import annotations

from datetime import datetime

from scurry.cli.output import age
from scurry.cli.sections import Entry, generic, key_values, render, scalar
from scurry.models.cfk import (
    API_VERSION,
    ENVIRONMENT_FIELDS,
    FLINK_APPLICATION,
    FLINK_ENVIRONMENT,
    CfkKind,
    Obj,
)


def environment_view(environment: Obj) -> Obj:
    """A CMF environment as a FlinkEnvironment: its fields in `spec`, its times in metadata."""
    metadata: Obj = {"name": environment.get("name")}
    if environment.get("created_time"):
        metadata["creationTimestamp"] = environment["created_time"]
    own = environment.get("metadata") or {}
    metadata.update({k: own[k] for k in ("labels", "annotations") if own.get(k)})
    spec = {k: environment[k] for k in ENVIRONMENT_FIELDS if environment.get(k) is not None}
    view: Obj = {"apiVersion": API_VERSION, "kind": FLINK_ENVIRONMENT.kind, "metadata": metadata}
    view["spec"] = spec
    if environment.get("status"):
        view["status"] = environment["status"]
    return view


def application_view(application: Obj, environment: str) -> Obj:
    """A CMF application as a FlinkApplication: `spec.flinkEnvironment` names its environment."""
    own = application.get("metadata") or {}
    metadata = {
        k: own[k] for k in ("name", "creationTimestamp", "labels", "annotations") if k in own
    }
    view: Obj = {
        "apiVersion": API_VERSION,
        "kind": FLINK_APPLICATION.kind,
        "metadata": metadata,
        "spec": {"flinkEnvironment": environment, **(application.get("spec") or {})},
    }
    if application.get("status"):
        view["status"] = application["status"]
    return view


def headers(kind: CfkKind) -> list[str]:
    if kind is FLINK_ENVIRONMENT:
        return ["NAME", "KUBERNETES NAMESPACE", "AGE"]
    return ["NAME", "ENVIRONMENT", "JOB STATUS", "LIFECYCLE STATE", "AGE"]


def row(view: Obj, now: datetime) -> list[str]:
    metadata, spec = view["metadata"], view.get("spec") or {}
    when = age(metadata.get("creationTimestamp"), now)
    if view["kind"] == FLINK_ENVIRONMENT.kind:
        return [metadata.get("name") or "", spec.get("kubernetesNamespace") or "", when]
    status = view.get("status") or {}
    job = status.get("jobStatus") or {}
    return [
        metadata.get("name") or "",
        spec.get("flinkEnvironment") or "",
        job.get("state") or "<none>",
        status.get("lifecycleState") or "<none>",
        when,
    ]


def described(view: Obj) -> str:
    """kubectl describe's layout: name and identity, then spec and status as YAML."""
    metadata = view["metadata"]
    entries: list[Entry] = [
        ("Name", scalar(metadata.get("name"))),
        ("Labels", key_values(metadata.get("labels"))),
        ("Annotations", key_values(metadata.get("annotations"))),
        ("API Version", API_VERSION),
        ("Kind", view["kind"]),
        ("Created", scalar(metadata.get("creationTimestamp"))),
        ("Spec", generic(view.get("spec") or {})),
        ("Status", generic(view.get("status") or {})),
    ]
    return "\n".join(render(entries))
