"""`scurry describe KIND NAME`: one resource, readable, with its events (as kubectl describe)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from scurry.cli import options
from scurry.cli.cfk import commands as cfk_commands
from scurry.cli.client import ApiClient, Obj
from scurry.cli.jobs import snapshot_type, snapshots_of, trigger_type
from scurry.cli.output import age, event_age, note, write
from scurry.cli.refs import Target, kind_named, namespace_or_default, select
from scurry.cli.sections import (
    NONE,
    Block,
    Entry,
    Value,
    annotated,
    block,
    generic,
    key_values,
    label,
    render,
    scalar,
    table_block,
    yaml_block,
)
from scurry.cli.session import Session
from scurry.errors import ScurryError
from scurry.models import corev1
from scurry.models.resources import (
    CONFIG_MAP,
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
    SECRET,
    KindInfo,
)

# Status fields in the order they are most read; anything else follows.
_STATUS_ORDER = (
    "lifecycleState",
    "jobManagerDeploymentStatus",
    "state",
    "path",
    "error",
    "jobStatus",
    "reconciliationStatus",
    "clusterInfo",
    "taskManager",
)
_SPECS = ("lastReconciledSpec", "lastStableSpec")
_CONFIGURED = (FLINK_DEPLOYMENT.kind, FLINK_SESSION_JOB.kind)
_DATA_KINDS = (CONFIG_MAP.kind, SECRET.kind)
SNAPSHOT_LIMIT = 10
_SNAPSHOT_HEADERS = ["Name", "Type", "Trigger", "State", "Path", "Age"]


def describe_object(
    obj: Obj,
    events: list[Obj],
    *,
    show_specs: bool,
    now: datetime,
    config: list[Obj] | None = None,
    show_config: bool = False,
    snapshots: list[Obj] | None = None,
    all_snapshots: bool = False,
) -> str:
    """`config`: the effective configuration items (key, value, source), shown when given;
    `snapshots`: the job's FlinkStateSnapshots, newest first, shown when given."""
    meta = obj.get("metadata", {})
    entries: list[Entry] = [
        ("Name", scalar(meta.get("name"))),
        ("Namespace", scalar(meta.get("namespace"))),
        ("Labels", key_values(meta.get("labels"))),
        ("Annotations", key_values(meta.get("annotations"))),
        ("API Version", scalar(obj.get("apiVersion"))),
        ("Kind", scalar(obj.get("kind"))),
        ("Metadata", block(metadata_entries(meta))),
    ]
    if obj.get("kind") in _DATA_KINDS:
        entries.extend(data_entries(obj))
    else:
        entries.append(("Spec", yaml_block(obj.get("spec") or {})))
        entries.append(
            ("Status", block(status_entries(obj.get("status") or {}, show_specs=show_specs)))
        )
    if snapshots is not None:
        entries.append(("Snapshots", snapshots_value(obj, snapshots, now, all_snapshots)))
    if config is not None:
        entries.append(("Effective Flink Configuration", config_value(config, show_config)))
    entries.append(("Events", events_value(events, now)))
    return "\n".join(render(entries))


def data_entries(obj: Obj) -> list[Entry]:
    """A ConfigMap's data as it is; a Secret's only as sizes, as kubectl describe shows them."""
    entries: list[Entry] = []
    if obj["kind"] == SECRET.kind:
        entries.append(("Type", scalar(obj.get("type"))))
        entries.append(("Data", byte_sizes(corev1.decoded(obj))))
    else:
        entries.append(("Data", yaml_block(obj.get("data") or {})))
        binary = obj.get("binaryData") or {}
        decoded = {key: base64.b64decode(value) for key, value in binary.items()}
        entries.append(("Binary Data", byte_sizes(decoded)))
    if obj.get("immutable"):
        entries.append(("Immutable", "true"))
    return entries


def byte_sizes(values: dict[str, bytes]) -> list[str]:
    return [f"{key}:  {len(value)} bytes" for key, value in sorted(values.items())] or [NONE]


def config_value(items: list[Obj], show_all: bool) -> Block:
    """Keys set other than by the resource itself (all keys with `show_all`), with their source."""
    shown = [i for i in items if show_all or i.get("source") != "resource"]
    return annotated([(str(i["key"]), str(i["value"]), str(i["source"])) for i in shown])


def effective_config(client: ApiClient, info: KindInfo, obj: Obj) -> list[Obj] | None:
    """The effective configuration items; None for other kinds or a server without them."""
    if obj.get("kind") not in _CONFIGURED:
        return None
    meta = obj["metadata"]
    try:
        items: list[Obj] = client.effective_config(info, meta["namespace"], meta["name"])["items"]
    except ScurryError:  # an older server, or the object went away: describe the rest
        return None
    return items


def job_snapshots(client: ApiClient, obj: Obj) -> list[Obj] | None:
    """A job's FlinkStateSnapshots, newest first; None for other kinds."""
    if obj.get("kind") not in _CONFIGURED:
        return None
    meta = obj["metadata"]
    listed: list[Obj] = client.list(FLINK_STATE_SNAPSHOT, meta["namespace"])["items"]
    return snapshots_of(listed, obj["kind"], meta["name"])


def snapshots_value(obj: Obj, snapshots: list[Obj], now: datetime, show_all: bool) -> Value:
    """The savepoints the status records, then the snapshot resources (10 unless all)."""
    lines = render(savepoint_entries((obj.get("status") or {}).get("jobStatus") or {}))
    shown = snapshots if show_all else snapshots[:SNAPSHOT_LIMIT]
    if shown:
        rows = [snapshot_row(snapshot, now) for snapshot in shown]
        lines.extend(table_block(_SNAPSHOT_HEADERS, rows).lines)
    if len(snapshots) > len(shown):
        lines.append(f"({len(snapshots) - len(shown)} more: --all-snapshots)")
    return Block(tuple(lines)) if lines else NONE


def savepoint_entries(job_status: dict[str, Any]) -> list[Entry]:
    entries: list[Entry] = []
    last = (job_status.get("savepointInfo") or {}).get("lastSavepoint") or {}
    if last.get("location"):
        stamp = last.get("timeStamp")
        when = from_millis(stamp) if isinstance(stamp, int) else NONE
        trigger = last.get("triggerType") or "UNKNOWN"
        entries.append(("Last Savepoint", f"{last['location']} ({trigger}, {when})"))
    if job_status.get("upgradeSavepointPath"):
        entries.append(("Upgrade Savepoint Path", str(job_status["upgradeSavepointPath"])))
    return entries


def snapshot_row(snapshot: Obj, now: datetime) -> list[str]:
    status = snapshot.get("status") or {}
    return [
        str(snapshot["metadata"]["name"]),
        snapshot_type(snapshot),
        trigger_type(snapshot),
        str(status.get("state") or "TRIGGER_PENDING"),
        str(status.get("path") or ""),
        age(snapshot["metadata"].get("creationTimestamp"), now),
    ]


def metadata_entries(meta: dict[str, Any]) -> list[Entry]:
    entries: list[Entry] = [
        ("Creation Timestamp", scalar(meta.get("creationTimestamp"))),
        ("Generation", scalar(meta.get("generation"))),
        ("Resource Version", scalar(meta.get("resourceVersion"))),
        ("UID", scalar(meta.get("uid"))),
        ("Finalizers", [str(f) for f in meta.get("finalizers") or []]),
    ]
    if meta.get("deletionTimestamp"):
        entries.append(("Deletion Timestamp", scalar(meta["deletionTimestamp"])))
    owners = meta.get("ownerReferences") or []
    if owners:
        entries.append(("Owner References", [f"{o.get('kind')}/{o.get('name')}" for o in owners]))
    return entries


def status_entries(status: dict[str, Any], *, show_specs: bool) -> list[Entry]:
    if not status:
        return [("State", NONE)]
    ordered = [k for k in _STATUS_ORDER if k in status]
    ordered += [k for k in status if k not in ordered and k not in ("conditions", *_SPECS)]
    entries: list[Entry] = [(label(key), status_value(key, status[key])) for key in ordered]
    if status.get("conditions"):
        entries.append(("Conditions", conditions_block(status["conditions"])))
    reconciliation = status.get("reconciliationStatus") or {}
    if show_specs:
        for key in _SPECS:
            if reconciliation.get(key):
                entries.append((label(key), spec_value(reconciliation[key])))
    return entries


def status_value(key: str, value: Any) -> Any:
    if key == "reconciliationStatus" and isinstance(value, dict):
        shown = {k: v for k, v in value.items() if k not in _SPECS}
        if isinstance(shown.get("reconciliationTimestamp"), int):
            shown["reconciliationTimestamp"] = from_millis(shown["reconciliationTimestamp"])
        return generic(shown)
    return generic(value)


def from_millis(millis: int) -> str:
    if millis <= 0:
        return NONE
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spec_value(serialized: str) -> Any:
    """A last reconciled/stable spec (a JSON string in FKO's status) as YAML."""
    try:
        return yaml_block(json.loads(serialized))
    except ValueError:
        return serialized


def conditions_block(conditions: list[dict[str, Any]]) -> Any:
    headers = ["Type", "Status", "Reason", "Message", "Last Transition"]
    fields = ("type", "status", "reason", "message", "lastTransitionTime")
    rows = [[str(c.get(field) or "") for field in fields] for c in conditions]
    return table_block(headers, rows)


def events_value(events: list[Obj], now: datetime) -> Any:
    if not events:
        return NONE
    rows = [
        [
            str(e.get("type") or ""),
            str(e.get("reason") or ""),
            event_age(e, now),
            str((e.get("source") or {}).get("component") or e.get("reportingComponent") or ""),
            str(e.get("message") or ""),
        ]
        for e in events
    ]
    return table_block(["Type", "Reason", "Age", "From", "Message"], rows)


def events_about(client: ApiClient, obj: Obj) -> list[Obj]:
    """The object's events, oldest first; events of an earlier object of that name left out."""
    meta = obj["metadata"]
    selector = f"involvedObject.name={meta['name']},involvedObject.kind={obj['kind']}"
    items: list[Obj] = client.events(meta["namespace"], selector)["items"]
    uid = meta.get("uid")
    mine = [e for e in items if e.get("involvedObject", {}).get("uid") in (None, uid)]
    return sorted(mine, key=lambda e: str(e.get("lastTimestamp") or ""))


def describe_command(
    ctx: typer.Context,
    resources: options.Resources = None,
    namespace: options.Namespace = None,
    show_specs: Annotated[
        bool,
        typer.Option("--show-specs", help="Also show the last reconciled and last stable specs."),
    ] = False,
    show_config: Annotated[
        bool,
        typer.Option(
            "--show-config",
            help="List every key of the effective Flink configuration, not only the defaulted.",
        ),
    ] = False,
    all_snapshots: Annotated[
        bool,
        typer.Option(
            "--all-snapshots", help=f"List every snapshot, not the {SNAPSHOT_LIMIT} newest."
        ),
    ] = False,
) -> None:
    """Show one resource (or every resource of a kind) in detail, with its events."""
    cfk = cfk_commands.selected(resources or [])
    if cfk is not None:
        cfk_commands.describe(Session.of(ctx).client(), *cfk)
        return
    selection = select(resources or [], "describe")
    client = Session.of(ctx).client()
    ns = namespace_or_default(namespace)
    targets = list(selection.targets)
    if not targets:
        listed = client.list(selection.kind, ns)["items"]
        targets = [Target(kind_named(o["kind"]), o["metadata"]["name"]) for o in listed]
    now = datetime.now(UTC)
    texts = []
    for target in targets:
        obj = client.get(target.info, ns, target.name)
        texts.append(
            describe_object(
                obj,
                events_about(client, obj),
                show_specs=show_specs,
                now=now,
                config=effective_config(client, target.info, obj),
                show_config=show_config,
                snapshots=job_snapshots(client, obj),
                all_snapshots=all_snapshots,
            )
        )
    if texts:
        write("\n\n".join(texts))
    else:
        note(f"No resources found in {ns} namespace.")
