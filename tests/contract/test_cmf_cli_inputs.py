"""The `confluent flink` CLI's input files, sent to the API as the CLI sends them.

Each payload in reference/cmf-examples/cli-input that concerns environments,
applications, secrets or secret mappings goes out as a real request (JSON or
YAML as the file is) and gets CMF's answer: success, or the error a real CMF
gives for what the payload says. Several of these files are "failure" inputs
only because the CLI's mock server fails them by name; a real server judges
the content, and so does this test (see docs/compat.md).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cmfkit import V1, Cmf, serving
from referencekit import reference_path

INPUTS = reference_path("cmf-examples", "cli-input")
CFK = reference_path("cmf-examples", "cfk")
APPS = f"{V1}/environments/default/applications"
NS = "default-ns"


def payload(name: str) -> tuple[str, str]:
    """The file's text and the Content-Type the CLI sends it with."""
    path = INPUTS / name
    if not path.exists():
        pytest.skip(f"{path} not found (set SCURRY_REFERENCE)")
    kind = "application/yaml" if path.suffix in (".yaml", ".yml") else "application/json"
    return path.read_text(), kind


def document(name: str) -> Any:
    text, kind = payload(name)
    return yaml.safe_load(text) if kind == "application/yaml" else json.loads(text)


async def send(cmf: Cmf, method: str, path: str, name: str) -> Any:
    text, kind = payload(name)
    return await cmf.client.request(method, path, content=text, headers={"Content-Type": kind})


@pytest.fixture
async def cmf(tmp_path: Path) -> AsyncIterator[Cmf]:
    async with serving(tmp_path / "home") as running:
        await running.environment("default", NS)
        yield running


@pytest.mark.parametrize(
    "name",
    [
        "application__create-duplicate-application.json",
        "application__create-duplicate-application.yaml",
        "application__create-unsuccessful-application.json",
        "application__update-non-existent.yaml",
        "application__update-successful.yaml",
    ],
)
async def test_full_application_payloads_create_then_update(cmf: Cmf, name: str) -> None:
    for expected in (201, 201):  # POST is create-or-update: a second POST updates
        response = await send(cmf, "POST", APPS, name)
        assert response.status_code == expected, response.text
    sent = document(name)
    got = response.json()
    assert got["metadata"]["name"] == sent["metadata"]["name"]
    assert got["spec"] == sent["spec"]
    deployment = await cmf.deployment(sent["metadata"]["name"], NS)
    assert deployment["spec"]["job"]["parallelism"] == sent["spec"]["job"]["parallelism"]


@pytest.mark.parametrize("name", ["application__create-new.json", "application__create-new.yaml"])
async def test_create_new_starts_from_the_savepoint_it_names(cmf: Cmf, name: str) -> None:
    response = await send(cmf, "POST", APPS, name)
    assert response.status_code == 422, response.text
    assert "no savepoint with name 'my-app-savepoint'" in response.text
    detached = {"metadata": {"name": "my-app-savepoint"}, "spec": {"path": "file:///sp/1"}}
    await cmf.ok("POST", f"{V1}/detached-savepoints", 201, json=detached)
    response = await send(cmf, "POST", APPS, name)
    assert response.status_code == 201, response.text
    job = (await cmf.deployment("default-application-3", NS))["spec"]["job"]
    assert job["initialSavepointPath"] == "file:///sp/1"
    assert job["allowNonRestoredState"] is True
    assert "startFromSavepoint" not in job


@pytest.mark.parametrize(
    "name",
    [
        "application__update-failure.json",
        "application__update-non-existent.json",
        "application__update-successful.json",
        "application__update-successful-savepoint.json",
        "application__update-with-get-failure.json",
    ],
)
async def test_partial_application_specs_are_refused(cmf: Cmf, name: str) -> None:
    """These hold only what changes; POST replaces the spec, which then has no job."""
    response = await send(cmf, "POST", APPS, name)
    assert response.status_code == 422, response.text
    assert "spec.job" in response.text
    assert await cmf.store.list("CmfApplication") == []


@pytest.mark.parametrize(
    "name",
    [
        "application__create-with-non-existent-environment.json",
        "application__create-with-non-existent-environment.yaml",
        "application__update-with-non-existent-environment.json",
    ],
)
async def test_applications_for_an_unknown_environment(cmf: Cmf, name: str) -> None:
    response = await send(cmf, "POST", f"{V1}/environments/non-existent/applications", name)
    assert response.status_code == 404, response.text
    assert response.json() == {"errors": [{"message": 'Environment "non-existent" not found'}]}


async def test_environment_defaults_files(cmf: Cmf) -> None:
    body = {
        "name": "default-2",
        "kubernetesNamespace": "default-staging",
        "flinkApplicationDefaults": document("environment__application-defaults.json"),
        "computePoolDefaults": document("environment__compute-pool-defaults.json"),
        "statementDefaults": document("environment__statement-defaults.json"),
    }
    env = await cmf.ok("POST", f"{V1}/environments", json=body)
    for key in ("flinkApplicationDefaults", "computePoolDefaults", "statementDefaults"):
        assert env[key] == body[key]
    sent = document("application__create-unsuccessful-application.json")
    await cmf.ok("POST", f"{V1}/environments/default-2/applications", 201, json=sent)
    deployment = await cmf.deployment(sent["metadata"]["name"], "default-staging")
    assert deployment["spec"]["flinkConfiguration"]["taskmanager.numberOfTaskSlots"] == "8"
    annotations = deployment["metadata"]["annotations"]
    assert annotations["fmc.platform.confluent.io/intra-cluster-ssl"] == "false"


@pytest.mark.parametrize("suffix", ["json", "yaml"])
async def test_secret_payloads(cmf: Cmf, suffix: str) -> None:
    created = await send(cmf, "POST", f"{V1}/secrets", f"secret__create-successful.{suffix}")
    assert created.status_code == 200, created.text
    assert created.json()["spec"]["data"] == {
        "bootstrap.servers": "****",
        "sasl.jaas.config": "****",
    }
    again = await send(cmf, "POST", f"{V1}/secrets", f"secret__create-successful.{suffix}")
    assert again.status_code == 409
    updated = await send(
        cmf, "PUT", f"{V1}/secrets/test-secret", f"secret__update-successful.{suffix}"
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["status"]["version"] == "2"
    invalid = await send(cmf, "POST", f"{V1}/secrets", f"secret__create-invalid-failure.{suffix}")
    assert invalid.status_code == 400
    assert "spec.data" in invalid.text
    missing = await send(
        cmf, "PUT", f"{V1}/secrets/invalid-secret", f"secret__update-invalid-failure.{suffix}"
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("suffix", ["json", "yaml"])
async def test_secret_mapping_payloads(cmf: Cmf, suffix: str) -> None:
    mappings = f"{V1}/environments/default/secret-mappings"
    refused = await send(cmf, "POST", mappings, f"secret-mapping__create-invalid-failure.{suffix}")
    assert refused.status_code == 400
    assert 'Secret "my-actual-secret" does not exist' in refused.json()["errors"][0]["message"]
    for secret in ("my-actual-secret", "my-updated-secret"):
        body = {
            "apiVersion": "cmf/v1",
            "kind": "Secret",
            "metadata": {"name": secret},
            "spec": {"data": {"k": "v"}},
        }
        await cmf.ok("POST", f"{V1}/secrets", json=body)
    created = await send(cmf, "POST", mappings, f"secret-mapping__create-successful.{suffix}")
    assert created.status_code == 200, created.text
    assert created.json()["spec"] == {"secretName": "my-actual-secret"}
    updated = await send(
        cmf, "PUT", f"{mappings}/test-mapping", f"secret-mapping__update-successful.{suffix}"
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["spec"] == {"secretName": "my-updated-secret"}
    missing = await send(
        cmf,
        "PUT",
        f"{mappings}/invalid-secret-mapping",
        f"secret-mapping__update-invalid-failure.{suffix}",
    )
    assert missing.status_code == 404


async def test_cfk_readme_payloads(cmf: Cmf) -> None:
    if not (CFK / "mTLS__payload__env_payload.json").exists():
        pytest.skip("CFK payloads not found")
    env = json.loads((CFK / "mTLS__payload__env_payload.json").read_text())
    assert (await cmf.ok("POST", f"{V1}/environments", json=env))["name"] == "flink-env1"
    app = json.loads((CFK / "mTLS__payload__app_payload.json").read_text())
    created = await cmf.ok("POST", f"{V1}/environments/flink-env1/applications", 201, json=app)
    assert created["apiVersion"] == "cmf.confluent.io/v1"
    assert (await cmf.deployment("flink-env1", "staging-shared"))["spec"]["job"]["parallelism"] == 3
