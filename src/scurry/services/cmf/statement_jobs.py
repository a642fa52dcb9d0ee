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

The environment's setup (its DDL, Kafka tables with their connection
secrets in clear as Flink's connectors need them) never goes into the job's
arguments, which every reader of the FKO object sees: it is a Secret of its
own (`setup_secret`, sealed at rest like every Secret), and the arguments
name it (`--setup-secret`). A session job's arguments are expanded from it
by the controller at submission (they reach Flink over its REST API only);
a dedicated pool's cluster gets it as an environment variable of its
JobManager (`secretKeyRef`), which the runner reads.
"""

from __future__ import annotations

import base64
import copy
import json
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
SETUP_SUFFIX = "-setup"
SETUP_KEY = "setup.json"
SETUP_ENV = "SCURRY_SQL_SETUP"
SETUP_OPTION = "--setup-secret"
MAIN_CONTAINER = "flink-main-container"


def job_name(statement_name: str) -> str:
    return JOB_PREFIX + statement_name


def job_kind(pool_spec: dict[str, Any]) -> str:
    return FLINK_DEPLOYMENT.kind if pool_spec.get("type") == "DEDICATED" else FLINK_SESSION_JOB.kind


def setup_name(statement_name: str) -> str:
    return job_name(statement_name) + SETUP_SUFFIX


def setup_secret(statement: Obj, env: Obj, setup: list[str]) -> Obj:
    """The Secret holding the statements replayed before `statement`'s own."""
    name = statement["metadata"]["name"]
    encoded = base64.b64encode(json.dumps(setup).encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": setup_name(name),
            "namespace": lookup.namespace_of(env),
            "labels": {
                kinds.ENVIRONMENT_LABEL: env["metadata"]["name"],
                kinds.STATEMENT_LABEL: name,
            },
            "ownerReferences": [owner_reference(statement, KIND)],
        },
        "data": {SETUP_KEY: encoded},
    }


def runner_args(
    statement_name: str, spec: dict[str, Any], configuration: dict[str, str]
) -> list[str]:
    """PythonDriver's arguments: the runner, the setup's Secret, then the statements to run."""
    statements = [f"SET {_literal(k)} = {_literal(v)}" for k, v in sorted(configuration.items())]
    properties = spec.get("properties") or {}
    if properties.get(CURRENT_CATALOG):
        statements.append(f"USE CATALOG {_identifier(properties[CURRENT_CATALOG])}")
    if properties.get(CURRENT_DATABASE):
        statements.append(f"USE {_identifier(properties[CURRENT_DATABASE])}")
    statements.append(str(spec["statement"]))
    args = ["-pym", RUNNER_MODULE, SETUP_OPTION, setup_name(statement_name)]
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
        _with_setup_env(derived_spec, setup_name(name))
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


def _with_setup_env(spec: dict[str, Any], secret: str) -> None:
    """The JobManager's main container gets the setup as `SETUP_ENV`, from its Secret."""
    jobmanager = spec.setdefault("jobManager", {})
    template = jobmanager.setdefault("podTemplate", {})
    containers = template.setdefault("spec", {}).setdefault("containers", [])
    main = next((c for c in containers if c.get("name") == MAIN_CONTAINER), None)
    if main is None:
        main = {"name": MAIN_CONTAINER}
        containers.append(main)
    env = [e for e in main.get("env") or [] if e.get("name") != SETUP_ENV]
    reference = {"secretKeyRef": {"name": secret, "key": SETUP_KEY}}
    main["env"] = [*env, {"name": SETUP_ENV, "valueFrom": reference}]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(text: str) -> str:
    return "`" + text.replace("`", "``") + "`"
