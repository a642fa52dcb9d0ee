"""Classification of requests by method and path, and the walk over every route of the app."""

from __future__ import annotations

import re
from pathlib import Path

import fastapi.routing
import pytest
from authkit import auth_app, write_bindings, write_tokens
from fastapi import FastAPI

from scurry.server.auth.classify import Access, classify

TOKENS_ONLY = {"t": ("p", ())}


def route_table(app: FastAPI) -> list[tuple[str, set[str] | None]]:
    """Every route of the app (included routers flattened) as its path and methods."""
    # FastAPI keeps included routers unflattened in newer releases; older ones list routes.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(flatten(app.routes)) if flatten is not None else app.routes
    return [(route.path, getattr(route, "methods", None)) for route in routes]


def sample_path(template: str) -> str:
    """A concrete path for a route template (`{name}` -> a value, `{rest:path}` -> a/b)."""
    return re.sub(r"\{\w+(:\w+)?\}", lambda m: "a/b" if m.group(1) == ":path" else "x", template)


async def test_every_route_of_the_app_is_classified(tmp_path: Path) -> None:
    """Fails when a route is added without an authorization rule (it would be closed)."""
    async with auth_app(
        tmp_path / "home",
        auth_tokens_file=write_tokens(tmp_path / "tokens.yaml", TOKENS_ONLY),
        auth_bindings_file=write_bindings(tmp_path / "b.yaml"),
    ) as api:
        routes = route_table(api.app)
    unclassified, public = [], []
    for template, methods in routes:
        if methods is None:  # a mount or a websocket: whatever lies under it
            checks = [("GET", sample_path(template) + "/x")]
        else:
            checks = [(m, sample_path(template)) for m in sorted(methods)]
        for method, path in checks:
            access = classify(method, path)
            if access is None:
                unclassified.append(f"{method} {template}")
            elif access.scope == "public":
                public.append(path)
    templates = {template for template, _ in routes}
    assert "/apis/flink.apache.org/v1beta1/namespaces/{namespace}/{plural}/{name}/log" in templates
    assert not unclassified, f"routes without an authorization rule: {unclassified}"
    # Nothing else is open but the dashboard's login page and its scripts and styles.
    assert sorted(public) == sorted(["/healthz", "/login", "/login", "/logout", "/ui/static/x"])


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/healthz", Access("public", "read", "health")),
        ("HEAD", "/healthz", Access("public", "read", "health")),
        (
            "GET",
            "/cmf/api/v1/environments/prod/applications/",
            Access("environment", "read", "applications", "prod"),
        ),
        (
            "PUT",
            "/cmf/api/v1/environments/e1/compute-pools/p",
            Access("environment", "manage", "compute-pools", "e1"),
        ),
        (
            "PATCH",
            "/apis/flink.apache.org/v1beta1/namespaces/{plural}/flinkdeployments/x",
            Access("namespace", "write", "flinkdeployments", "{plural}"),
        ),
        (
            "GET",
            "/apis/platform.confluent.io/v1beta1/namespaces/ns/flinkapplications",
            Access("namespace", "read", "flinkapplications", "ns"),
        ),
        ("GET", "/api/v1/configmaps", Access("cluster", "read", "configmaps of all namespaces")),
    ],
)
def test_paths_are_classified(method: str, path: str, expected: Access) -> None:
    assert classify(method, path) == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/"),
        ("GET", "/ui/unknown-page"),
        ("GET", "/cmf/api/v1/environments//applications"),
        ("GET", "/apis/flink.apache.org/v1beta1/namespaces//flinkdeployments"),
        ("DELETE", "/healthz"),
        ("POST", "/apis/flink.apache.org/v1beta1/flinkdeployments"),
        ("CONNECT", "/healthz"),
        ("GET", "/cmf/api/v1/unknown-things"),
    ],
)
def test_what_no_rule_covers_is_unclassified(method: str, path: str) -> None:
    assert classify(method, path) is None
