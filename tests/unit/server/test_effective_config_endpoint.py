"""`GET .../{plural}/{name}/config`: the effective configuration and the source of each key."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scurry.bootstrap import Container, control_config
from scurry.config.settings import Settings
from scurry.models.manifest import normalize
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

API = "/apis/flink.apache.org/v1beta1/namespaces"
NS = "kubernetes.operator.default-configuration.namespace"
V = "kubernetes.operator.default-configuration.flink-version"
DEFAULTS = f"""
taskmanager.numberOfTaskSlots: 3
state.backend.type: hashmap
{NS}.team.state.backend.type: rocksdb
{NS}.team.pipeline.object-reuse: "true"
{V}.v2_3.pipeline.object-reuse: "false"
{V}.v2_3.restart-strategy.type: fixed-delay
"""


def deployment(name: str, namespace: str = "team", **config: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": config,
            "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "2g", "cpu": 1}, "replicas": 2},
            "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 2},
        },
    }


class ConfigApi:
    def __init__(self, container: Container, client: httpx.AsyncClient, home: Path) -> None:
        self.container, self.client, self.defaults = container, client, home / "defaults.yaml"

    async def create(self, obj: dict[str, Any]) -> None:
        await self.container.store.create(normalize(obj))

    async def config(self, name: str, plural: str = "flinkdeployments") -> dict[str, Any]:
        response = await self.client.get(f"{API}/team/{plural}/{name}/config")
        assert response.status_code == 200, response.text
        return {i["key"]: (i["value"], i["source"]) for i in response.json()["items"]}

    def write_defaults(self, text: str) -> None:
        """(Re)write the defaults file, its mtime a second later than any earlier version."""
        stamp = self.defaults.stat().st_mtime_ns + 10**9 if self.defaults.exists() else None
        self.defaults.write_text(text)
        if stamp is not None:
            os.utime(self.defaults, ns=(stamp, stamp))


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ConfigApi]:
    store = await open_sql_store("sqlite://")
    runtime = FakeRuntime()
    settings = Settings(home=tmp_path, defaults_file=None)
    container = Container(settings, store, runtime, runtime.flink_api, control_config(settings))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://scurry") as client:
        yield ConfigApi(container, client, tmp_path)
    await store.close()


async def test_each_key_says_where_it_comes_from(server: ConfigApi) -> None:
    server.write_defaults(DEFAULTS)
    await server.create(deployment("app", **{"execution.checkpointing.interval": "10 s"}))

    config = await server.config("app")

    assert config["web.cancel.enable"] == ("false", "scurry")
    assert config["execution.checkpointing.dir"] == (
        "file:///fake/team/app/checkpoints",
        "runtime",
    )
    assert config["taskmanager.numberOfTaskSlots"] == ("3", "defaults")
    assert config["state.backend.type"] == ("rocksdb", "namespace")
    assert config["pipeline.object-reuse"] == ("false", "flink-version")
    assert config["restart-strategy.type"] == ("fixed-delay", "flink-version")
    assert config["execution.checkpointing.interval"] == ("10 s", "resource")
    assert config["jobmanager.memory.process.size"] == ("2048m", "resources")
    assert config["taskmanager.memory.process.size"] == ("2048m", "resources")
    assert config["parallelism.default"] == ("6", "resources")  # 2 replicas x 3 slots


async def test_memory_from_the_resources_counts_as_theirs_even_if_equal_to_a_default(
    server: ConfigApi,
) -> None:
    app = deployment("app")
    app["spec"]["jobManager"]["resource"]["memory"] = "1024m"  # scurry's default too
    del app["spec"]["taskManager"]["resource"]
    await server.create(app)

    config = await server.config("app")

    assert config["jobmanager.memory.process.size"] == ("1024m", "resources")
    assert config["taskmanager.memory.process.size"] == ("1280m", "scurry")


async def test_the_resource_wins_over_every_default(server: ConfigApi) -> None:
    server.write_defaults(DEFAULTS)
    await server.create(
        deployment("own", **{"state.backend.type": "forst", "web.cancel.enable": "1"})
    )

    config = await server.config("own")

    assert config["state.backend.type"] == ("forst", "resource")
    assert config["web.cancel.enable"] == ("1", "resource")


async def test_other_namespaces_and_versions_get_only_the_plain_defaults(server: ConfigApi) -> None:
    server.write_defaults(DEFAULTS)
    other = deployment("old", namespace="team")
    other["spec"]["flinkVersion"] = "v1_20"
    await server.create(other)

    config = await server.config("old")

    assert config["pipeline.object-reuse"] == ("true", "namespace")
    assert config["restart-strategy.type"] == ("exponential-delay", "scurry")


async def test_a_session_job_gets_its_session_clusters_configuration(server: ConfigApi) -> None:
    server.write_defaults(DEFAULTS)
    session = deployment("session", **{"execution.checkpointing.interval": "1 min"})
    del session["spec"]["job"]
    await server.create(session)
    await server.create(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkSessionJob",
            "metadata": {"name": "job", "namespace": "team"},
            "spec": {
                "deploymentName": "session",
                "flinkConfiguration": {"pipeline.name": "mine"},
                "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 1},
            },
        }
    )

    config = await server.config("job", "flinksessionjobs")

    assert config["pipeline.name"] == ("mine", "resource")
    assert config["execution.checkpointing.interval"] == ("1 min", "session")
    assert config["state.backend.type"] == ("rocksdb", "namespace")
    assert config["pipeline.object-reuse"] == ("false", "flink-version")
    assert config["execution.checkpointing.dir"][1] == "runtime"
    assert config["taskmanager.memory.process.size"] == ("2048m", "resources")


async def test_a_changed_file_is_used_at_once_and_a_broken_one_shows_in_healthz(
    server: ConfigApi,
) -> None:
    await server.create(deployment("app"))
    assert "state.backend.type" not in await server.config("app")
    health = (await server.client.get("/healthz")).json()
    assert health["defaults"] == {"file": str(server.defaults), "error": None}

    server.write_defaults(DEFAULTS)
    assert (await server.config("app"))["state.backend.type"] == ("rocksdb", "namespace")

    server.write_defaults(f"{NS}.team.state.backend.type: [rocksdb\n")
    assert (await server.config("app"))["state.backend.type"] == ("rocksdb", "namespace")
    health = (await server.client.get("/healthz")).json()
    assert health["defaults"]["file"] == str(server.defaults)
    assert "not valid YAML" in health["defaults"]["error"]


async def test_admission_validates_against_the_scoped_defaults(server: ConfigApi) -> None:
    # A forbidden key (FKO's validator) set as a default for one namespace only.
    server.write_defaults(f"{NS}.team.kubernetes.cluster-id: x\n")
    body = deployment("bad")

    response = await server.client.post(f"{API}/team/flinkdeployments", json=body)
    elsewhere = await server.client.post(
        f"{API}/other/flinkdeployments", json={**body, "metadata": {"name": "bad"}}
    )

    assert response.status_code == 422, response.text
    assert "Forbidden Flink config key: kubernetes.cluster-id" in response.text
    assert elsewhere.status_code == 201, elsewhere.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("flinkdeployments/missing/config", 404),
        ("flinkstatesnapshots/snap/config", 400),
        ("flinkdep/app/config", 400),
    ],
)
async def test_unknown_objects_and_kinds(server: ConfigApi, path: str, status: int) -> None:
    await server.create(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkStateSnapshot",
            "metadata": {"name": "snap", "namespace": "team"},
            "spec": {"savepoint": {"path": "file:///sp"}},
        }
    )
    response = await server.client.get(f"{API}/team/{path}")
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]
