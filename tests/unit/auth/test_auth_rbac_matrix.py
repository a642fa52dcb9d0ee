"""Role x route: who may do what, against the real app with static tokens.

Each row names a request and what it needs (`prod:write` = editor in environment
prod, `cluster:read` = cluster-viewer, `anyone` = any principal, `none` = nobody:
the route is not classified); each principal is listed with what it holds. The
check runs before any handler, so a 404 or 400 from a handler means "allowed".
Every operation of the CMF OpenAPI spec has a row (a test checks that).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from authkit import AuthApp, auth_app, environment, write_bindings, write_tokens
from fastapi import Request

ENV = "/cmf/api/v1/environments/prod"
APP = f"{ENV}/applications/app"
FKO = "/apis/flink.apache.org/v1beta1"
PROD_NS = f"{FKO}/namespaces/prod-ns"


def deployment(namespace: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkDeployment",
            "metadata": {"name": "d", "namespace": namespace},
        }
    )


# CMF operations, keyed as in the spec ("METHOD path"), with what each needs here.
CMF: dict[str, str] = {
    "GET /cmf/api/v1/environments": "anyone",
    "POST /cmf/api/v1/environments": "body",  # see UPSERTS
    "GET /cmf/api/v1/environments/{envName}": "prod:read",
    "DELETE /cmf/api/v1/environments/{envName}": "cluster:manage",
    "GET /cmf/api/v1/environments/{envName}/applications": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/applications": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/applications/{appName}": "prod:read",
    "DELETE /cmf/api/v1/environments/{envName}/applications/{appName}": "prod:write",
    "GET /cmf/api/v1alpha1/environments/{envName}/applications/{appName}/events": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/applications/{appName}/start": "prod:write",
    "POST /cmf/api/v1/environments/{envName}/applications/{appName}/suspend": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/applications/{appName}/instances": "prod:read",
    "GET /cmf/api/v1/environments/{envName}/applications/{appName}/instances/{instName}": (
        "prod:read"
    ),
    "GET /cmf/api/v1/environments/{envName}/secret-mappings": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/secret-mappings": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/secret-mappings/{name}": "prod:read",
    "PUT /cmf/api/v1/environments/{envName}/secret-mappings/{name}": "prod:write",
    "DELETE /cmf/api/v1/environments/{envName}/secret-mappings/{name}": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/statements": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/statements": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/statements/{stmtName}": "prod:read",
    "PUT /cmf/api/v1/environments/{envName}/statements/{stmtName}": "prod:write",
    "DELETE /cmf/api/v1/environments/{envName}/statements/{stmtName}": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/statements/{stmtName}/results": "prod:read",
    "GET /cmf/api/v1/environments/{envName}/statements/{stmtName}/exceptions": "prod:read",
    "GET /cmf/api/v1/environments/{envName}/statements/{stmtName}/savepoints": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/statements/{stmtName}/savepoints": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/statements/{stmtName}/savepoints/{savepointName}": (
        "prod:read"
    ),
    "DELETE /cmf/api/v1/environments/{envName}/statements/{stmtName}/savepoints/{savepointName}": (
        "prod:write"
    ),
    "GET /cmf/api/v1/environments/{envName}/compute-pools": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/compute-pools": "prod:manage",
    "GET /cmf/api/v1/environments/{envName}/compute-pools/{computePoolName}": "prod:read",
    "PUT /cmf/api/v1/environments/{envName}/compute-pools/{computePoolName}": "prod:manage",
    "DELETE /cmf/api/v1/environments/{envName}/compute-pools/{computePoolName}": "prod:manage",
    "GET /cmf/api/v1/environments/{envName}/applications/{appName}/savepoints": "prod:read",
    "POST /cmf/api/v1/environments/{envName}/applications/{appName}/savepoints": "prod:write",
    "GET /cmf/api/v1/environments/{envName}/applications/{appName}/savepoints/{savepointName}": (
        "prod:read"
    ),
    "DELETE /cmf/api/v1/environments/{envName}/applications/{appName}/savepoints/{savepointName}": (
        "prod:write"
    ),
    (
        "POST /cmf/api/v1/environments/{envName}/applications/{appName}"
        "/savepoints/{savepointName}/detach"
    ): "prod:write",
    "GET /cmf/api/v1/secrets": "cluster:read",
    "POST /cmf/api/v1/secrets": "cluster:manage",
    "GET /cmf/api/v1/secrets/{secretName}": "cluster:read",
    "PUT /cmf/api/v1/secrets/{secretName}": "cluster:manage",
    "DELETE /cmf/api/v1/secrets/{secretName}": "cluster:manage",
    "GET /cmf/api/v1/catalogs/kafka": "anyone",
    "POST /cmf/api/v1/catalogs/kafka": "cluster:manage",
    "GET /cmf/api/v1/catalogs/kafka/{catName}": "anyone",
    "PUT /cmf/api/v1/catalogs/kafka/{catName}": "cluster:manage",
    "DELETE /cmf/api/v1/catalogs/kafka/{catName}": "cluster:manage",
    "GET /cmf/api/v1/catalogs/kafka/{catName}/databases": "anyone",
    "POST /cmf/api/v1/catalogs/kafka/{catName}/databases": "cluster:manage",
    "GET /cmf/api/v1/catalogs/kafka/{catName}/databases/{dbName}": "anyone",
    "PUT /cmf/api/v1/catalogs/kafka/{catName}/databases/{dbName}": "cluster:manage",
    "DELETE /cmf/api/v1/catalogs/kafka/{catName}/databases/{dbName}": "cluster:manage",
    "GET /cmf/api/v1/detached-savepoints": "anyone",
    "POST /cmf/api/v1/detached-savepoints": "cluster:manage",
    "GET /cmf/api/v1/detached-savepoints/{detachedSavepointName}": "anyone",
    "DELETE /cmf/api/v1/detached-savepoints/{detachedSavepointName}": "cluster:manage",
    "GET /cmf/api/v1/kubernetes-clusters": "anyone",
    "GET /cmf/api/v1/kubernetes-clusters/{kubernetesClusterName}": "anyone",
    "PUT /cmf/api/v1/kubernetes-clusters/{kubernetesClusterName}": "cluster:manage",
    "GET /cmf/api/v1/c3/license": "anyone",
    "GET /cmf/api/v1/system-information": "anyone",
    "GET /cmf/api/v1/resource-information": "anyone",
}

# POST /environments is judged on the environment its body names.
UPSERTS: list[tuple[str, str]] = [
    ('{"name": "prod", "kubernetesNamespace": "prod-ns"}', "prod:manage"),  # update in place
    ("name: prod\nkubernetesNamespace: prod-ns\n", "prod:manage"),  # the same, as YAML
    ('{"name": "prod", "kubernetesNamespace": "dev-ns"}', "cluster:manage"),  # a move
    ('{"name": "brand-new", "kubernetesNamespace": "x"}', "cluster:manage"),  # a creation
    ("[not, an, environment]", "cluster:manage"),
]

# Everything else: (method, path, body, what it needs).
OTHERS: list[tuple[str, str, str | None, str]] = [
    ("GET", f"{APP}/flink-web-ui/jobs/overview", None, "prod:read"),
    ("POST", f"{APP}/flink-web-ui/jars/upload", "", "prod:write"),
    ("GET", "/cmf/api/v1/environments/dev/applications", None, "dev:read"),
    ("GET", FKO, None, "anyone"),
    ("GET", f"{FKO}/flinkdeployments", None, "cluster:read"),
    ("GET", f"{PROD_NS}/flinkdeployments", None, "prod:read"),
    ("POST", f"{PROD_NS}/flinkdeployments", "{}", "prod:write"),
    ("GET", f"{PROD_NS}/flinkdeployments/d", None, "prod:read"),
    ("PUT", f"{PROD_NS}/flinkdeployments/d", "{}", "prod:write"),
    ("PATCH", f"{PROD_NS}/flinkdeployments/d", "{}", "prod:write"),
    ("DELETE", f"{PROD_NS}/flinkdeployments/d", None, "prod:write"),
    ("GET", f"{PROD_NS}/flinkdeployments/d/status", None, "prod:read"),
    ("PUT", f"{PROD_NS}/flinkdeployments/d/status", "{}", "prod:manage"),
    ("GET", f"{PROD_NS}/flinkdeployments/d/log", None, "prod:read"),
    ("GET", f"{PROD_NS}/flinkdeployments/d/config", None, "prod:read"),
    ("GET", f"{PROD_NS}/flinksessionjobs", None, "prod:read"),
    ("GET", f"{FKO}/namespaces/dev-ns/flinkstatesnapshots", None, "dev:read"),
    ("GET", f"{FKO}/namespaces/lonely-ns/flinkdeployments", None, "cluster:read"),
    ("DELETE", f"{FKO}/namespaces/lonely-ns/flinkdeployments/d", None, "cluster:manage"),
    ("POST", f"{FKO}/plan", deployment("prod-ns"), "prod:read"),
    ("POST", f"{FKO}/plan", deployment("lonely-ns"), "cluster:read"),
    (
        "POST",
        f"{FKO}/plan",
        deployment("prod-ns") + "---\n" + deployment("dev-ns"),
        "prod:read dev:read",
    ),
    ("GET", "/api/v1/events", None, "cluster:read"),
    ("GET", "/api/v1/namespaces/prod-ns/events", None, "prod:read"),
    ("GET", "/api/v1/namespaces/prod-ns/configmaps", None, "prod:read"),
    ("POST", "/api/v1/namespaces/prod-ns/configmaps", "{}", "prod:write"),
    ("GET", "/api/v1/namespaces/prod-ns/secrets/s", None, "prod:write"),
    ("GET", "/api/v1/namespaces/lonely-ns/configmaps", None, "cluster:read"),
    ("GET", "/healthz", None, "public"),
    ("GET", "/metrics", None, "cluster:read"),
    ("POST", "/admin/stop-clusters", None, "cluster:manage"),
    ("GET", "/openapi.json", None, "anyone"),
    ("GET", "/no/such/route", None, "none"),
    ("POST", "/healthz", None, "none"),
    ("TRACE", f"{PROD_NS}/flinkdeployments", None, "none"),
]

ALL_ENVS = ("prod", "dev")
EVERYTHING = {"anyone", "cluster:read", "cluster:manage"} | {
    f"{env}:{level}" for env in ALL_ENVS for level in ("read", "write", "manage")
}
# principal -> (token groups, what it holds)
PRINCIPALS: dict[str, tuple[list[str], set[str]]] = {
    "root": ([], EVERYTHING),
    "watcher": ([], {"anyone", "cluster:read", "prod:read", "dev:read"}),
    "pat": ([], {"anyone", "prod:read", "prod:write", "prod:manage"}),
    "ed": ([], {"anyone", "prod:read", "prod:write"}),
    "grouped": (["prod-editors"], {"anyone", "prod:read", "prod:write"}),
    "vi": ([], {"anyone", "prod:read"}),
    "seer": ([], {"anyone", "prod:read", "dev:read"}),
    "stranger": ([], {"anyone"}),
}
BINDINGS = [
    {"role": "cluster-admin", "principals": ["root"]},
    {"role": "cluster-viewer", "principals": ["watcher"]},
    {"role": "admin", "environments": ["prod"], "principals": ["pat"]},
    {"role": "editor", "environments": ["prod"], "principals": ["ed"]},
    {"role": "editor", "environments": ["prod"], "groups": ["prod-editors"]},
    {"role": "viewer", "environments": ["prod"], "principals": ["vi"]},
    {"role": "viewer", "environments": ["*"], "principals": ["seer"]},
]


def token_of(principal: str) -> str:
    return f"token-of-{principal}"


def concrete(template: str) -> str:
    return re.sub(r"\{envName\}", "prod", re.sub(r"\{(?!envName)\w+\}", "x", template))


def rows() -> list[tuple[str, str, str | None, str]]:
    found = [
        (key.split(" ")[0], concrete(key.split(" ", 1)[1]), "{}", need)
        for key, need in CMF.items()
        if need != "body"
    ]
    found += [("POST", "/cmf/api/v1/environments", body, need) for body, need in UPSERTS]
    return found + OTHERS


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[AuthApp]:
    tokens = {token_of(p): (p, groups) for p, (groups, _) in PRINCIPALS.items()}
    async with auth_app(
        tmp_path / "home",
        auth_tokens_file=write_tokens(tmp_path / "tokens.yaml", tokens),
        auth_bindings_file=write_bindings(tmp_path / "bindings.yaml", *BINDINGS),
    ) as running:
        await running.store.create(environment("prod", "prod-ns"))
        await running.store.create(environment("dev", "dev-ns"))
        yield running


def test_every_operation_of_the_spec_has_a_row(reference: Path) -> None:
    spec = yaml.safe_load((reference / "cmf-openapi.yaml").read_text())
    methods = ("get", "post", "put", "patch", "delete")
    operations = {
        f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops if m in methods
    }
    assert operations == set(CMF)


def allowed(holds: set[str], need: str) -> bool:
    if need == "public":
        return True
    return need != "none" and all(part in holds for part in need.split())


@pytest.mark.parametrize("principal", [*PRINCIPALS, None])
async def test_role_by_route(api: AuthApp, principal: str | None) -> None:
    holds = PRINCIPALS[principal][1] if principal else set()
    wrong: list[str] = []
    for method, path, body, need in rows():
        token = token_of(principal) if principal else None
        response = await api.request(method, path, token, content=body)
        expected = allowed(holds, need)
        if expected and response.status_code in (401, 403):
            wrong.append(
                f"{method} {path} ({need}): refused {response.status_code} {response.text}"
            )
        if not expected and response.status_code != (403 if principal else 401):
            wrong.append(f"{method} {path} ({need}): answered {response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_a_refusal_names_the_principal_and_the_missing_role(api: AuthApp) -> None:
    response = await api.request("POST", f"{ENV}/applications", token_of("vi"), json={})
    assert response.status_code == 403
    assert response.json() == {
        "errors": [
            {
                "message": '"vi" may not change applications in environment "prod": '
                'that needs role editor in environment "prod"'
            }
        ]
    }
    response = await api.request("GET", "/cmf/api/v1/secrets", token_of("grouped"))
    message = response.json()["errors"][0]["message"]
    assert message == (
        '"grouped" (groups: prod-editors) may not read secrets: '
        "that needs role cluster-viewer (or cluster-admin)"
    )


async def test_an_unclassified_route_is_refused_even_to_a_cluster_admin(api: AuthApp) -> None:
    response = await api.request("GET", "/no/such/route", token_of("root"))
    assert response.status_code == 403
    assert "no authorization rule covers it" in response.json()["errors"][0]["message"]


async def test_a_namespace_shared_by_two_environments_needs_the_role_in_both(
    api: AuthApp,
) -> None:
    await api.store.create(environment("prod-canary", "prod-ns"))
    response = await api.request("GET", f"{PROD_NS}/flinkdeployments", token_of("vi"))
    assert response.status_code == 403
    assert 'viewer in environment "prod-canary"' in response.json()["errors"][0]["message"]
    seer = await api.request("GET", f"{PROD_NS}/flinkdeployments", token_of("seer"))
    assert seer.status_code == 200


async def test_the_principal_reaches_the_handlers(api: AuthApp) -> None:
    @api.app.get("/apis/scurry.test/v1/namespaces/{namespace}/whoami")
    def whoami(namespace: str, request: Request) -> dict[str, Any]:
        principal = request.state.principal
        return {"name": principal.name, "groups": sorted(principal.groups), "ns": namespace}

    response = await api.request(
        "GET", "/apis/scurry.test/v1/namespaces/prod-ns/whoami", token_of("grouped")
    )
    assert response.json() == {"name": "grouped", "groups": ["prod-editors"], "ns": "prod-ns"}
