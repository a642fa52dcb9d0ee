"""The Flink job a detached statement becomes, computed without I/O.

A detached statement (INSERT INTO ..., or a statement set) is a Python job
that Flink's PythonDriver runs: `scurry.sqlrunner.script` replays the
environment's DDL, applies the statement's configuration and properties,
and submits the INSERT as one job. On a SHARED pool it is a FlinkSessionJob
on the pool's session cluster; on a DEDICATED pool a FlinkDeployment of its
own built from the pool's `clusterSpec`. Either way it is an FKO object the
controller runs like any other: a fixed job id, stop with a savepoint
(`spec.stopped` -> job state suspended, upgrade mode savepoint), resume from
it, and rescale through `parallelism` (an upgrade through a savepoint).
"""

from __future__ import annotations

import copy
from typing import Any

from scurry.models.resources import FLINK_API_VERSION, FLINK_DEPLOYMENT, FLINK_SESSION_JOB
from scurry.ports import Obj
from scurry.services.cmf import kinds, lookup
from scurry.services.cmf.pools import cluster_name, owner_reference
from scurry.services.cmf.sql_catalog import CURRENT_CATALOG, CURRENT_DATABASE

PYTHON_JAR = "local:///opt/flink/opt/flink-python.jar"
PYTHON_DRIVER = "org.apache.flink.client.python.PythonDriver"
RUNNER_MODULE = "scurry.sqlrunner.script"
JOB_PREFIX = "stmt-"
KIND = "Statement"


def job_name(statement_name: str) -> str:
    return JOB_PREFIX + statement_name


def job_kind(pool_spec: dict[str, Any]) -> str:
    return FLINK_DEPLOYMENT.kind if pool_spec.get("type") == "DEDICATED" else FLINK_SESSION_JOB.kind


def runner_args(setup: list[str], spec: dict[str, Any], configuration: dict[str, str]) -> list[str]:
    """PythonDriver's arguments: the runner module and the statements it runs, in order."""
    statements = list(setup)
    statements += [f"SET {_literal(k)} = {_literal(v)}" for k, v in sorted(configuration.items())]
    properties = spec.get("properties") or {}
    if properties.get(CURRENT_CATALOG):
        statements.append(f"USE CATALOG {_identifier(properties[CURRENT_CATALOG])}")
    if properties.get(CURRENT_DATABASE):
        statements.append(f"USE {_identifier(properties[CURRENT_DATABASE])}")
    statements.append(str(spec["statement"]))
    args = ["-pym", RUNNER_MODULE]
    for statement in statements:
        args += ["--statement", statement]
    return args


def derived_job(
    statement: Obj,
    env: Obj,
    pool: Obj,
    pool_spec: dict[str, Any],
    args: list[str],
    existing: Obj | None,
) -> Obj:
    """The FlinkSessionJob (shared pool) or FlinkDeployment (dedicated pool) of `statement`."""
    spec = statement["spec"]
    name = statement["metadata"]["name"]
    job: dict[str, Any] = {
        "jarURI": PYTHON_JAR,
        "entryClass": PYTHON_DRIVER,
        "args": args,
        "parallelism": int(spec.get("parallelism") or 1),
        "upgradeMode": "savepoint",
        "state": "suspended" if spec.get("stopped") else "running",
    }
    before = ((existing or {}).get("spec") or {}).get("job") or {}
    for key in ("initialSavepointPath", "savepointRedeployNonce", "allowNonRestoredState"):
        if before.get(key) is not None:
            job[key] = before[key]
    start = spec.get("startFromSavepoint") or {}
    if start.get("initialSavepointPath"):
        job["initialSavepointPath"] = start["initialSavepointPath"]
        if start.get("allowNonRestoredState") is not None:
            job["allowNonRestoredState"] = start["allowNonRestoredState"]
        if start.get("savepointRedeployNonce") is not None:
            job["savepointRedeployNonce"] = start["savepointRedeployNonce"]
    kind = job_kind(pool_spec)
    if kind == FLINK_SESSION_JOB.kind:
        derived_spec: dict[str, Any] = {
            "deploymentName": cluster_name(pool["metadata"]["name"]),
            "job": job,
        }
    else:
        derived_spec = copy.deepcopy(pool_spec.get("clusterSpec") or {})
        derived_spec["job"] = job
    meta: dict[str, Any] = {
        "name": job_name(name),
        "namespace": lookup.namespace_of(env),
        "labels": {
            kinds.ENVIRONMENT_LABEL: env["metadata"]["name"],
            kinds.POOL_LABEL: pool["metadata"]["name"],
            kinds.STATEMENT_LABEL: name,
        },
        "ownerReferences": [owner_reference(statement, KIND)],
    }
    if existing is not None:
        for key in ("resourceVersion", "finalizers"):
            if key in existing["metadata"]:
                meta[key] = copy.deepcopy(existing["metadata"][key])
    return {"apiVersion": FLINK_API_VERSION, "kind": kind, "metadata": meta, "spec": derived_spec}


def job_phase(derived: Obj | None, stopped: bool) -> tuple[str, str | None]:
    """The statement's phase from its job's FKO object."""
    if derived is None:
        return "PENDING", "the statement's job is being created"
    if derived["metadata"].get("deletionTimestamp"):
        return "DELETING", "the statement's job is being cancelled"
    status = derived.get("status") or {}
    error = status.get("error")
    job = status.get("jobStatus") or {}
    state = str(job.get("state") or "")
    lifecycle = str(status.get("lifecycleState") or "")
    if stopped and (lifecycle == "SUSPENDED" or state in ("CANCELED", "FINISHED", "SUSPENDED")):
        return "STOPPED", "the statement was stopped with a savepoint"
    if state == "RUNNING":
        return "RUNNING", ("stopping with a savepoint" if stopped else None)
    if state == "FINISHED":
        return "COMPLETED", "the statement's job finished"
    if state in ("FAILING", "RESTARTING"):
        return "FAILING", str(error or f"the job is {state}")
    if state == "FAILED" or lifecycle == "FAILED":
        return "FAILED", str(error or "the statement's job failed")
    if state == "CANCELED":
        return "STOPPED", "the statement's job was cancelled"
    if error:
        return "PENDING", str(error)
    return "PENDING", "waiting for the compute pool" if not state else f"the job is {state}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(text: str) -> str:
    return "`" + text.replace("`", "``") + "`"
