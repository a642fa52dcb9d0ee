"""CFK manifests (`platform.confluent.io/v1beta1`) through `scurry apply|get|describe|delete`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from clikit import Run

from referencekit import reference_path

CFK = reference_path("cmf-examples", "cfk")
MTLS = [str(CFK / f"mTLS__{name}.yaml") for name in ("flinkenvironment", "flinkapplication")]


def flink(scurry: Run, *args: str) -> object:
    result = scurry("flink", *args, "-o", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_apply_creates_the_environment_then_the_application(scurry: Run) -> None:
    # The application comes first in the arguments: environments are applied first anyway.
    result = scurry(
        "apply", "-f", MTLS[1], "-f", MTLS[0], "-f", str(CFK / "mTLS__cmfrestclass.yaml")
    )

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "flinkenvironment.platform.confluent.io/flink-env1 created",
        "flinkapplication.platform.confluent.io/flink-app1 created",
        "cmfrestclass.platform.confluent.io/default ignored",
    ]
    assert (
        "FlinkEnvironment/flink-env1: ignored (no meaning outside CFK): "
        "metadata.namespace, spec.cmfRestClassRef" in result.err
    )
    assert "CMFRestClass/default is ignored: scurry serves the CMF API itself" in result.err
    environment = flink(scurry, "environment", "describe", "flink-env1")
    assert environment["kubernetesNamespace"] == "default"
    assert environment["flinkApplicationDefaults"]["spec"]["flinkConfiguration"] == {
        "taskmanager.numberOfTaskSlots": "2"
    }
    application = flink(
        scurry, "application", "describe", "flink-app1", "--environment", "flink-env1"
    )
    assert application["spec"]["job"]["parallelism"] == 3
    assert "flinkEnvironment" not in application["spec"]
    assert "cmfRestClassRef" not in application["spec"]


def test_apply_again_is_unchanged_and_a_change_configures(scurry: Run, tmp_path: Path) -> None:
    assert scurry("apply", "-f", MTLS[0], "-f", MTLS[1]).code == 0
    changed = yaml.safe_load(Path(MTLS[1]).read_text())
    changed["spec"]["job"]["parallelism"] = 4
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(changed))

    again = scurry("apply", "-f", MTLS[0], "-f", MTLS[1])
    update = scurry("apply", "-f", str(path))

    assert again.out.splitlines() == [
        "flinkenvironment.platform.confluent.io/flink-env1 unchanged",
        "flinkapplication.platform.confluent.io/flink-app1 unchanged",
    ]
    assert update.out.strip() == "flinkapplication.platform.confluent.io/flink-app1 configured"
    application = flink(scurry, "app", "describe", "flink-app1", "--environment", "flink-env1")
    assert application["spec"]["job"]["parallelism"] == 4


@pytest.mark.parametrize("example", ["oauth", "sql__platform"])
def test_the_other_examples_apply(scurry: Run, example: str) -> None:
    files = sorted(str(p) for p in CFK.glob(f"{example}__flink*.yaml"))

    result = scurry("apply", *(arg for f in files for arg in ("-f", f)))

    assert result.code == 0, result.err
    assert "flinkenvironment.platform.confluent.io/flink-env1 created" in result.out


def test_an_application_without_its_environment_changes_nothing(scurry: Run) -> None:
    result = scurry("apply", "-f", MTLS[1])

    assert result.code == 3
    assert 'spec.flinkEnvironment: environment "flink-env1" not found' in result.err
    assert scurry("flink", "environment", "list").out.strip() == "None found."


def test_dry_run_writes_nothing(scurry: Run) -> None:
    result = scurry("apply", "--dry-run", "-f", MTLS[0], "-f", MTLS[1])

    assert result.out.splitlines() == [
        "flinkenvironment.platform.confluent.io/flink-env1 created (server dry run)",
        "flinkapplication.platform.confluent.io/flink-app1 created (server dry run)",
    ]
    assert scurry("flink", "environment", "list").out.strip() == "None found."


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {
                "apiVersion": "platform.confluent.io/v1beta1",
                "kind": "FlinkComputePool",
                "metadata": {"name": "pool"},
                "spec": {},
            },
            "kind: 'FlinkComputePool' of platform.confluent.io is not supported "
            "(supported: FlinkEnvironment, FlinkApplication, CMFRestClass)",
        ),
        (
            {
                "apiVersion": "platform.confluent.io/v1beta1",
                "kind": "FlinkEnvironment",
                "metadata": {"name": "env"},
                "spec": {},
            },
            "FlinkEnvironment/env: spec.kubernetesNamespace: required field is missing",
        ),
        (
            {
                "apiVersion": "platform.confluent.io/v1beta1",
                "kind": "FlinkApplication",
                "metadata": {"name": "app"},
                "spec": {"image": "x"},
            },
            "FlinkApplication/app: spec.flinkEnvironment: required field is missing",
        ),
        (
            {
                "apiVersion": "platform.confluent.io/v1",
                "kind": "FlinkEnvironment",
                "metadata": {"name": "env"},
                "spec": {"kubernetesNamespace": "n"},
            },
            "FlinkEnvironment: apiVersion: must be platform.confluent.io/v1beta1, "
            "got platform.confluent.io/v1",
        ),
    ],
)
def test_bad_cfk_documents_are_refused_naming_the_field(
    scurry: Run, document: dict[str, object], message: str
) -> None:
    good = Path(MTLS[0]).read_text()

    result = scurry("apply", "-f", "-", stdin=good + "\n---\n" + yaml.safe_dump(document))

    assert result.code == 2
    assert result.err.strip() == f"error: <stdin> (document 2): {message}"
    assert scurry("flink", "environment", "list").out.strip() == "None found."


def test_get_and_describe_in_cfks_shape(scurry: Run) -> None:
    assert scurry("apply", "-f", MTLS[0], "-f", MTLS[1]).code == 0

    environments = scurry("get", "flinkenvironments")
    applications = scurry("get", "flinkapp")
    one = yaml.safe_load(scurry("get", "flinkapplication", "flink-app1", "-o", "yaml").out)
    names = scurry("get", "flinkenv", "-o", "name")
    described = scurry("describe", "flinkenvironment/flink-env1")

    assert environments.out.split("\n")[0].split() == ["NAME", "KUBERNETES", "NAMESPACE", "AGE"]
    assert environments.out.split("\n")[1].split()[:2] == ["flink-env1", "default"]
    assert applications.out.split("\n")[1].split()[:4] == [
        "flink-app1",
        "flink-env1",
        "<none>",
        "<none>",
    ]
    source = yaml.safe_load(Path(MTLS[1]).read_text())
    assert one["apiVersion"] == "platform.confluent.io/v1beta1"
    assert one["kind"] == "FlinkApplication"
    assert one["spec"] == {k: v for k, v in source["spec"].items() if k != "cmfRestClassRef"}
    assert names.out.strip() == "flinkenvironment.platform.confluent.io/flink-env1"
    assert described.out.startswith("Name:")
    lines = [line.split() for line in described.out.splitlines()]
    assert ["Kind:", "FlinkEnvironment"] in lines
    assert ["Kubernetes", "Namespace:", "default"] in lines


def test_get_of_a_missing_cfk_resource(scurry: Run) -> None:
    result = scurry("get", "flinkapplication", "nope")

    assert result.code == 3
    assert 'flinkapplications.platform.confluent.io "nope" not found' in result.err


def test_delete_by_name_and_by_file(scurry: Run) -> None:
    assert scurry("apply", "-f", MTLS[0], "-f", MTLS[1]).code == 0

    by_name = scurry("delete", "flinkapplication", "flink-app1")
    assert scurry("apply", "-f", MTLS[1]).code == 0
    by_file = scurry("delete", "-f", MTLS[0], "-f", MTLS[1])
    again = scurry("delete", "-f", MTLS[0], "--ignore-not-found")

    assert by_name.out.strip() == 'flinkapplication.platform.confluent.io "flink-app1" deleted'
    assert by_file.out.splitlines() == [
        'flinkapplication.platform.confluent.io "flink-app1" deleted',
        'flinkenvironment.platform.confluent.io "flink-env1" deleted',
    ]
    assert again.code == 0
    assert again.out == ""
    assert scurry("flink", "environment", "list").out.strip() == "None found."


def test_cfk_and_operator_resources_in_one_file(scurry: Run) -> None:
    deployment = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "plain"},
        "spec": {
            "flinkVersion": "v2_3",
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
        },
    }
    text = Path(MTLS[0]).read_text() + "\n---\n" + yaml.safe_dump(deployment)

    result = scurry("apply", "-f", "-", stdin=text)

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "flinkenvironment.platform.confluent.io/flink-env1 created",
        "flinkdeployment.flink.apache.org/plain created",
    ]
