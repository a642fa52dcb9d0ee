"""schemathesis, every check, against cmf-openapi.yaml and a real scurry server.

The server is the real app on uvicorn on a loopback port, over a SQL store and
a fake runtime (no Flink); a controller harness moves one application to
RUNNING first, so answers carry live statuses, instances and events. The run
is schemathesis' own CLI (examples, coverage, fuzzing and stateful phases,
deterministic generation), and it must end with no failure at all.

Flink SQL's operations run against a fake SQL engine (no JVM) and Kafka
catalogs against confluent-kafka's in-memory Schema Registry (a mock:// URL;
a generated URL names no registry and gets the 422 the spec lists).

What the run allows beyond the spec comes from tests/cmfspec.py, the one list
docs/compat.md explains: operations not served are excluded by tag or path,
each status-code deviation becomes a documented RestError answer of the spec
the run reads, and schema-valid requests may be refused (400/422) only by
operations whose rules are stricter than their schema.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cmfspec import (
    SPEC,
    UNSERVED,
    Operation,
    load_spec,
    operations_of,
    with_deviations,
)
from scurry.services.kafkatables import registry
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.fake_sql import FakeSqlEngine
from scurry.testing.harness import ControllerHarness
from scurry.testing.live_server import LiveApi, live_api

V1 = "/cmf/api/v1"
MAX_EXAMPLES = 25  # per operation and phase: well over 1,000 cases in all
SQL_MAX_EXAMPLES = 10  # Flink SQL's 26 operations: the run's wall time stays a few minutes
SQL_PATHS = ("/compute-pools", "/statements", "/catalogs/")
MIN_CASES = 1000
RUN_TIMEOUT = 600.0  # seconds: a hung run fails instead of blocking CI
# schemathesis' own defaults for positive_data_acceptance, which the refusals extend.
ACCEPTED = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
CMF = {"apiVersion": "cmf.confluent.io/v1"}
MAPPING = {"kind": "EnvironmentSecretMapping"}
# Values that pass the server's rules more often than generated ones (names, kinds).
BODY_VALUES = {"names": ["fuzz-one", "fuzz-two", "prod", "my-app"], "namespaces": ["flink-fuzz"]}
BODY_BINDINGS = {
    "body.name": "names",
    "body.metadata.name": "names",
    "body.kubernetesNamespace": "namespaces",
    "body.spec.secretName": "secretName",
}
TAKES_AWAY = frozenset({"detachSavepointFromFlinkApplication"})
KINDS = {
    "createOrUpdateApplication": "FlinkApplication",
    "createSecret": "Secret",
    "updateSecret": "Secret",
    "createEnvironmentSecretMapping": "EnvironmentSecretMapping",
    "updateEnvironmentSecretMapping": "EnvironmentSecretMapping",
    "createSavepointForFlinkApplication": "Savepoint",
    "createDetachedSavepoint": "Savepoint",
    "updateKubernetesCluster": "KubernetesCluster",
    "createComputePool": "ComputePool",
    "updateComputePool": "ComputePool",
    "createStatement": "Statement",
    "updateStatement": "Statement",
    "createKafkaCatalog": "KafkaCatalog",
    "updateKafkaCatalog": "KafkaCatalog",
    "createKafkaDatabase": "KafkaDatabase",
    "updateKafkaDatabase": "KafkaDatabase",
}
JAR = "local:///opt/flink/examples/streaming/StateMachineExample.jar"
REGISTRY = "mock://cmf-schemathesis"
CLUSTER = {
    "flinkVersion": "v1_19",
    "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
}


def application(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": name, "labels": {"team": "data"}},
        "spec": {
            "flinkVersion": "v1_19",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": JAR, "parallelism": 1, "upgradeMode": "savepoint"},
        },
    }


@dataclass(frozen=True)
class World:
    """One resource of each kind, for the fuzzer to find by the path parameters naming them."""

    env: str
    app: str
    secret: str
    mapping: str
    savepoint: str
    detached: str
    pool: str
    statement: str
    catalog: str
    database: str

    def create(self, api: LiveApi, harness: ControllerHarness) -> dict[str, list[str]]:
        namespace = f"flink-{self.env}"
        with httpx.Client(base_url=api.url + V1, timeout=30) as client:

            def ok(method: str, path: str, body: dict[str, Any]) -> Any:
                response = client.request(method, path, json=body)
                assert response.is_success, response.text
                return response.json()

            env = f"/environments/{self.env}"
            ok("POST", "/environments", {"name": self.env, "kubernetesNamespace": namespace})
            ok("POST", f"{env}/applications", application(self.app))
            api.call(harness.reconcile(self.app, times=5, namespace=namespace))
            secret = {"metadata": {"name": self.secret}, "spec": {"data": {"k": "v"}}}
            ok("POST", "/secrets", {**CMF, "kind": "Secret", **secret})
            mapping = {"metadata": {"name": self.mapping}, "spec": {"secretName": self.secret}}
            ok("POST", f"{env}/secret-mappings", {**CMF, **MAPPING, **mapping})
            savepoint = {"metadata": {"name": self.savepoint}}
            ok("POST", f"{env}/applications/{self.app}/savepoints", savepoint)
            api.call(complete(harness, self.savepoint, namespace))
            detached = {"metadata": {"name": self.detached}, "spec": {"path": "/sp"}}
            ok("POST", "/detached-savepoints", detached)
            instances = client.get(f"{env}/applications/{self.app}/instances").json()["items"]
            pool = {"type": "SHARED", "clusterSpec": CLUSTER}
            ok("POST", f"{env}/compute-pools", sql("ComputePool", self.pool, pool))
            query = {"statement": "SELECT 1", "computePoolName": self.pool}
            ok("POST", f"{env}/statements", sql("Statement", self.statement, query))
            sr = {"srInstance": {"connectionConfig": {"schema.registry.url": REGISTRY}}}
            ok("POST", "/catalogs/kafka", sql("KafkaCatalog", self.catalog, sr))
            kafka = {"kafkaCluster": {"connectionConfig": {"bootstrap.servers": "127.0.0.1:9"}}}
            database = sql("KafkaDatabase", self.database, kafka)
            ok("POST", f"/catalogs/kafka/{self.catalog}/databases", database)
        return {
            "envName": [self.env],
            "appName": [self.app],
            "instName": [item["metadata"]["name"] for item in instances],
            "savepointName": [self.savepoint],
            "detachedSavepointName": [self.detached],
            "secretName": [self.secret],
            "name": [self.mapping],
            "computePoolName": [self.pool],
            "stmtName": [self.statement],
            "catName": [self.catalog],
            "dbName": [self.database],
        }


def sql(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {**CMF, "kind": kind, "metadata": {"name": name}, "spec": spec}


async def complete(harness: ControllerHarness, savepoint: str, namespace: str) -> None:
    """Let the controller take the savepoint (the fake JobManager completes it)."""
    for _ in range(4):
        await harness.reconcile(savepoint, namespace=namespace, kind="FlinkStateSnapshot")
        harness.clock.advance(2)


# Every operation finds the first, but those that take a resource away (DELETE, detach)
# find the second: they succeed without taking from the others what they need.
KEPT = World(
    "prod", "my-app", "creds", "conn", "sp-one", "kept-sp", "shared", "query", "shop", "orders"
)
DOOMED = World(
    *("scratch", "scratch-app", "scratch-creds", "scratch-conn", "scratch-sp", "old-sp"),
    *("scratch-pool", "scratch-q", "scratch-shop", "scratch-db"),
)


def configuration(
    served: list[Operation], kept: dict[str, list[str]], doomed: dict[str, list[str]]
) -> dict[str, Any]:
    """schemathesis.toml as data: generation, the seeded names, the refusals of valid data."""
    values = {
        **kept,
        **{f"doomed-{param}": names for param, names in doomed.items()},
        **BODY_VALUES,
        **{kind: [kind] for kind in KINDS.values()},
    }
    bindings = {f"path.{param}": param for param in kept} | BODY_BINDINGS
    return {
        "workers": 1,  # one request at a time: the same run every time
        "cache": {"enabled": False},  # nothing from earlier runs replayed
        "generation": {"deterministic": True, "database": "none", "max-examples": MAX_EXAMPLES},
        "phases": {"stateful": {"inference": {"algorithms": ["dependency-analysis"]}}},
        "dictionaries": {name: {"values": entries} for name, entries in values.items()},
        "parameters": {key: _sometimes(name) for key, name in bindings.items()},
        "operations": [config for op in served if len(config := _operation(op, doomed)) > 1],
    }


def _sometimes(dictionary: str) -> dict[str, Any]:
    """Half the values from `dictionary`, half generated."""
    return {"dictionary": dictionary, "probability": 0.5}


def _operation(op: Operation, doomed: dict[str, list[str]]) -> dict[str, Any]:
    config: dict[str, Any] = {"include-operation-id": op.id}
    if op.id in KINDS:
        config["parameters"] = {"body.kind": _sometimes(KINDS[op.id])}
    if op.method == "DELETE" or op.id in TAKES_AWAY:
        config["parameters"] = {f"path.{param}": _sometimes(f"doomed-{param}") for param in doomed}
    if any(part in op.path for part in SQL_PATHS):
        config["generation"] = {"max-examples": SQL_MAX_EXAMPLES}
    if refused := op.refusals_of_schema_valid():
        expected = [*ACCEPTED, *map(str, sorted(refused))]
        config["checks"] = {"positive_data_acceptance": {"expected-statuses": expected}}
    return config


def toml(config: dict[str, Any]) -> str:
    """The TOML of `config`: scalars and lists inline, tables and arrays of tables by key."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in config.items() if _inline(value)]
    for key, value in config.items():
        if isinstance(value, dict):
            lines += [f"\n[{key}]", *_dotted(value)]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for table in value:
                lines += [f"\n[[{key}]]", *_dotted(table)]
    return "\n".join(lines) + "\n"


def _inline(value: Any) -> bool:
    return not isinstance(value, dict) and not (
        isinstance(value, list) and value and isinstance(value[0], dict)
    )


def _dotted(table: dict[str, Any], prefix: str = "") -> list[str]:
    lines = []
    for key, value in table.items():
        dotted = f"{prefix}{json.dumps(key)}"
        if isinstance(value, dict) and "dictionary" not in value:
            lines += _dotted(value, dotted + ".")
        elif isinstance(value, dict):
            inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{dotted} = {{ {inline} }}")
        else:
            lines.append(f"{dotted} = {json.dumps(value)}")
    return lines


# What the run leaves out: what is not served.
LEFT_OUT = UNSERVED


def in_the_run(op: Operation) -> bool:
    return not any(group.covers(op.path, op.tags) for group in LEFT_OUT)


def exclusions() -> list[str]:
    """The CLI's filters for LEFT_OUT: a tag each, and one regex for all the paths (the
    CLI keeps only the last of repeated path regexes)."""
    args = [arg for u in LEFT_OUT if u.tag is not None for arg in ("--exclude-tag", u.tag)]
    paths = [re.escape(u.path) for u in LEFT_OUT if u.path is not None]
    return [*args, "--exclude-path-regex", "|".join(paths)] if paths else args


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def api(tmp_path: Path, runtime: FakeRuntime) -> Iterator[LiveApi]:
    if not SPEC.exists():
        reason = f"{SPEC} not found (set SCURRY_REFERENCE)"
        if os.environ.get("CI"):
            pytest.fail(f"the CMF contract run must run in CI: {reason}")
        pytest.skip(reason)
    with live_api(tmp_path / "home", runtime=runtime) as served:
        served.container.sql = FakeSqlEngine()
        try:
            yield served
        finally:
            registry.forget_mock(REGISTRY)


def test_schemathesis_finds_no_failure(api: LiveApi, runtime: FakeRuntime, tmp_path: Path) -> None:
    spec = load_spec()
    served = [op for op in operations_of(spec) if in_the_run(op)]
    spec_file = tmp_path / "cmf-openapi.yaml"
    spec_file.write_text(yaml.safe_dump(with_deviations(spec), sort_keys=False))
    config_file = tmp_path / "schemathesis.toml"
    harness = ControllerHarness(api.store, runtime)
    kept, doomed = KEPT.create(api, harness), DOOMED.create(api, harness)
    clusters = httpx.get(f"{api.url}{V1}/kubernetes-clusters").json()["items"]
    kept["kubernetesClusterName"] = [item["metadata"]["name"] for item in clusters]
    config_file.write_text(toml(configuration(served, kept, doomed)))
    reports = Path(os.environ.get("SCURRY_TEST_ARTIFACTS") or tmp_path) / "schemathesis"
    reports.mkdir(parents=True, exist_ok=True)
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_file)),
        *("run", str(spec_file), "--url", api.url, "--checks", "all", *exclusions()),
        *("--no-color", "--report", "json,junit", "--report-dir", str(reports)),
        *("--report-json-path", str(reports / "report.json")),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, cwd=tmp_path
    )
    output = run.stdout + run.stderr
    (reports / "output.txt").write_text(output)
    assert run.returncode == 0, output[-20_000:]
    report = json.loads((reports / "report.json").read_text())
    assert report["test_cases"]["with_failures"] == 0, output[-20_000:]
    assert report["operations"]["tested"] == len(served), report["operations"]
    assert report["test_cases"]["generated"] >= MIN_CASES, report["test_cases"]


def test_the_filters_leave_out_exactly_what_the_run_leaves_out() -> None:
    """What the run's CLI filters select is what tests/cmfspec.py puts in the run."""
    if not SPEC.exists():
        pytest.skip(f"{SPEC} not found (set SCURRY_REFERENCE)")
    args = exclusions()
    tags = {value for flag, value in itertools.pairwise(args) if flag == "--exclude-tag"}
    paths = [value for flag, value in itertools.pairwise(args) if flag.endswith("-regex")]
    assert len(paths) <= 1, "the CLI keeps only the last --exclude-path-regex"
    pattern = re.compile(paths[0]) if paths else None
    for op in operations_of(load_spec()):
        left_out = bool(tags & set(op.tags)) or bool(pattern and pattern.search(op.path))
        assert left_out == (not in_the_run(op)), op.id
        assert in_the_run(op) <= (op.unserved is None), op.id
