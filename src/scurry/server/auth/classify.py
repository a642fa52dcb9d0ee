"""Every request, by method and path, as what it touches and how (before any route runs).

The rules are a table of path templates: `{name}` matches one segment, a final
`**` any number (including none). The first rule whose template matches decides;
GET, HEAD and OPTIONS read, POST, PUT, PATCH and DELETE write. A request no rule
matches is unclassified, and the middleware denies it: a route added without a
rule is closed, and the route-walk test names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from scurry.server.auth.rbac import Level

Scope = Literal[
    "public",  # no authentication at all
    "anyone",  # any authenticated principal
    "cluster",  # a global resource: a cluster-wide role
    "environment",  # `target` names the environment
    "namespace",  # `target` names a Kubernetes namespace: its environment(s) decide
    "environment-upsert",  # POST /environments: the body names the environment
    "plan",  # a dry run of manifests: the namespaces in the body decide
]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
READS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Access:
    """What a request touches: `level` is the least role it needs there."""

    scope: Scope
    level: Level
    what: str
    target: str = ""


@dataclass(frozen=True)
class Rule:
    template: str
    read: Access | None = None
    write: Access | None = None
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.template.strip("/").split("/")))


def public(what: str) -> Access:
    return Access("public", "read", what)


def anyone(what: str) -> Access:
    return Access("anyone", "read", what)


def cluster(level: Level, what: str) -> Access:
    return Access("cluster", level, what)


def environment(level: Level, what: str) -> Access:
    return Access("environment", level, what, "{env}")


def namespace(level: Level, what: str) -> Access:
    return Access("namespace", level, what, "{namespace}")


def global_kind(what: str) -> Rule:
    """A global CMF resource every principal may read and only cluster admins change."""
    return Rule(f"{CMF}/{what}/**", read=anyone(what), write=cluster("manage", what))


CMF = "/cmf/api/{version}"
ENV = f"{CMF}/environments/{{env}}"
DOCS = "the API description"
DISCOVERY = "the API resource lists"
DASHBOARD = "the dashboard"

RULES: Sequence[Rule] = (
    Rule("/healthz", read=public("health")),
    Rule("/metrics", read=cluster("read", "metrics")),
    Rule("/admin/stop-clusters", write=cluster("manage", "the Flink clusters")),
    Rule("/openapi.json", read=anyone(DOCS)),
    Rule("/docs/**", read=anyone(DOCS)),
    Rule("/redoc", read=anyone(DOCS)),
    # The CMF API. Environments are created and deleted by cluster admins; an
    # environment's admin may update it (the body names it: decided on the body).
    Rule(
        f"{CMF}/environments",
        read=anyone("environments"),
        write=Access("environment-upsert", "manage", "environments"),
    ),
    Rule(ENV, read=environment("read", "the environment"), write=cluster("manage", "environments")),
    Rule(
        f"{ENV}/compute-pools/**",
        read=environment("read", "compute-pools"),
        write=environment("manage", "compute-pools"),
    ),
    Rule(
        f"{ENV}/{{kind}}/**",
        read=environment("read", "{kind}"),
        write=environment("write", "{kind}"),
    ),
    Rule(f"{CMF}/secrets/**", read=cluster("read", "secrets"), write=cluster("manage", "secrets")),
    global_kind("catalogs"),
    global_kind("detached-savepoints"),
    global_kind("kubernetes-clusters"),
    Rule(f"{CMF}/system-information", read=anyone("system information")),
    Rule(f"{CMF}/resource-information", read=anyone("resource information")),
    Rule(f"{CMF}/c3/license", read=anyone("the license")),
    # Kubernetes-style APIs: FKO kinds (any API group) and core/v1, by namespace.
    Rule("/apis", read=anyone(DISCOVERY)),
    Rule("/apis/{group}/{version}", read=anyone(DISCOVERY)),
    Rule("/apis/flink.apache.org/v1beta1/plan", write=Access("plan", "read", "plans")),
    Rule(
        "/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}/status",
        read=namespace("read", "{plural}"),
        write=namespace("manage", "the status of {plural}"),
    ),
    Rule(
        "/apis/{group}/{version}/namespaces/{namespace}/{plural}/**",
        read=namespace("read", "{plural}"),
        write=namespace("write", "{plural}"),
    ),
    Rule("/apis/{group}/{version}/{plural}", read=cluster("read", "{plural} of all namespaces")),
    Rule("/api", read=anyone(DISCOVERY)),
    Rule("/api/v1", read=anyone(DISCOVERY)),
    # As Kubernetes' `view` role, viewers do not read Secrets: their data is in clear.
    Rule(
        "/api/v1/namespaces/{namespace}/secrets/**",
        read=namespace("write", "secrets"),
        write=namespace("write", "secrets"),
    ),
    Rule(
        "/api/v1/namespaces/{namespace}/{plural}/**",
        read=namespace("read", "{plural}"),
        write=namespace("write", "{plural}"),
    ),
    Rule("/api/v1/{plural}", read=cluster("read", "{plural} of all namespaces")),
    # The dashboard (`scurry.web`): its pages follow the API's paths, so the same
    # roles decide. The landing page and the apply form span environments: they
    # show and do only what `request.state.permissions` allows.
    Rule("/", read=anyone(DASHBOARD)),
    Rule("/login", read=public("the login page"), write=public("the login page")),
    Rule("/logout", write=public("the login page")),
    Rule("/ui/static/**", read=public("the dashboard's scripts and styles")),
    Rule("/ui/apply/**", read=anyone(DASHBOARD), write=anyone("manifests (checked per namespace)")),
    Rule("/ui/new-environment", read=anyone(DASHBOARD)),
    Rule("/ui/environments", write=cluster("manage", "environments")),
    Rule(
        "/ui/environments/{env}/compute-pools/**",
        read=environment("read", "compute-pools"),
        write=environment("write", "statements"),
    ),
    Rule(
        "/ui/environments/{env}/statements/**",
        read=environment("read", "statements"),
        write=environment("write", "statements"),
    ),
    Rule(
        "/ui/environments/{env}/**",
        read=environment("read", "the environment"),
        write=environment("write", "applications"),
    ),
    Rule(
        "/ui/namespaces/{namespace}/{plural}/**",
        read=namespace("read", "{plural}"),
        write=namespace("write", "{plural}"),
    ),
)


def classify(method: str, path: str, rules: Sequence[Rule] = RULES) -> Access | None:
    """The access a request needs, or None when no rule covers it (deny)."""
    if method in READS:
        side = "read"
    elif method in WRITES:
        side = "write"
    else:
        return None
    parts = path_segments(path)
    for rule in rules:
        captured = match(rule.segments, parts)
        if captured is not None:
            access = rule.read if side == "read" else rule.write
            return None if access is None else bind(access, captured)
    return None


def path_segments(path: str) -> list[str]:
    """The path's segments; a trailing slash is ignored (the router redirects it away)."""
    parts = path.split("/")[1:]
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


def match(template: Sequence[str], parts: Sequence[str]) -> dict[str, str] | None:
    captured: dict[str, str] = {}
    for index, want in enumerate(template):
        if want == "**":
            return captured if all(parts[index:]) else None
        if index >= len(parts):
            return None
        got = parts[index]
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            captured[want[1:-1]] = got
        elif got != want:
            return None
    return captured if len(parts) == len(template) else None


def bind(access: Access, captured: Mapping[str, str]) -> Access:
    """The access with the path's values in place of its `{name}` placeholders."""
    return replace(
        access,
        what=fill(access.what, captured),
        target=fill(access.target, captured),
    )


def fill(text: str, captured: Mapping[str, str]) -> str:
    # One pass: a value that looks like a placeholder is never substituted again.
    return PLACEHOLDER.sub(lambda m: captured.get(m.group(1), m.group(0)), text)
