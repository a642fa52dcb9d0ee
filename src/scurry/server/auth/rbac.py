"""Roles and who holds them.

Per environment: `viewer` reads, `editor` also writes (applications, savepoints,
statements, secret mappings, start/suspend), `admin` also manages the environment
itself. Cluster-wide: `cluster-viewer` reads everything (global resources and lists
across namespaces, metrics), `cluster-admin` may do anything. A bindings file grants
roles to principals and groups, in named environments or in all of them (`*`)::

    bindings:
      - role: cluster-admin
        principals: [alice]
      - role: editor
        environments: [dev, staging]
        groups: [developers]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scurry.server.auth.principal import Principal
from scurry.server.auth.watched import WatchedFile, load_model

Level = Literal["read", "write", "manage"]
RANK: Mapping[Level, int] = {"read": 0, "write": 1, "manage": 2}
ENVIRONMENT_ROLES: Mapping[str, Level] = {"viewer": "read", "editor": "write", "admin": "manage"}
CLUSTER_ROLES: Mapping[str, Level] = {"cluster-viewer": "read", "cluster-admin": "manage"}
ALL_ENVIRONMENTS = "*"
NONE = -1

Role = Literal["viewer", "editor", "admin", "cluster-viewer", "cluster-admin"]


class Binding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    environments: list[str] = Field(default_factory=list)
    principals: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Binding:
        if not self.principals and not self.groups:
            raise ValueError("a binding names principals, groups or both")
        if self.role in CLUSTER_ROLES and self.environments:
            raise ValueError(f"{self.role} is cluster-wide: it takes no environments")
        if self.role in ENVIRONMENT_ROLES and not self.environments:
            raise ValueError(f'{self.role} needs environments (a list of names, or ["*"])')
        return self


class BindingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bindings: list[Binding]


@dataclass(frozen=True)
class Requirement:
    """What a request needs: a level in every one of `environments`, or (`cluster`) a
    cluster-wide role, or (`anyone`) just a principal."""

    level: Level
    what: str
    environments: frozenset[str] = frozenset()
    cluster: bool = False
    anyone: bool = False


@dataclass(frozen=True)
class Grants:
    """A principal's roles as ranks (-1 none, 0 read, 1 write, 2 manage)."""

    cluster: int = NONE
    everywhere: int = NONE
    environments: Mapping[str, int] = field(default_factory=dict)

    def in_environment(self, name: str) -> int:
        return max(self.cluster, self.everywhere, self.environments.get(name, NONE))


def grants_of(bindings: BindingsFile, principal: Principal) -> Grants:
    cluster, everywhere, environments = NONE, NONE, dict[str, int]()
    for binding in bindings.bindings:
        if principal.name not in binding.principals and not principal.groups & {*binding.groups}:
            continue
        if binding.role in CLUSTER_ROLES:
            cluster = max(cluster, RANK[CLUSTER_ROLES[binding.role]])
            continue
        rank = RANK[ENVIRONMENT_ROLES[binding.role]]
        for env in binding.environments:
            if env == ALL_ENVIRONMENTS:
                everywhere = max(everywhere, rank)
            else:
                environments[env] = max(environments.get(env, NONE), rank)
    return Grants(cluster, everywhere, environments)


def missing_role(grants: Grants, need: Requirement) -> str | None:
    """None when the grants meet the requirement, else which role is missing (and where)."""
    rank = RANK[need.level]
    if need.anyone:
        return None
    if (need.cluster or not need.environments) and grants.cluster < rank:
        return cluster_role_for(need.level)  # a requirement naming nothing is the cluster's
    for env in sorted(need.environments):
        if grants.in_environment(env) < rank:
            role = next(r for r, level in ENVIRONMENT_ROLES.items() if level == need.level)
            return f'{role} in environment "{env}"'
    return None


def cluster_role_for(level: Level) -> str:
    return "cluster-viewer (or cluster-admin)" if level == "read" else "cluster-admin"


class Bindings:
    """The bindings file, re-read when it changes."""

    def __init__(self, path: Path) -> None:
        self._file = WatchedFile(path, lambda p: load_model(p, BindingsFile))

    def grants(self, principal: Principal) -> Grants:
        return grants_of(self._file.current(), principal)
