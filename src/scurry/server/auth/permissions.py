"""What the authenticated caller may do, for pages that show or hide actions.

The middleware puts one in `request.state.permissions`; the dashboard asks it
which environments and namespaces to list and whether to offer buttons. The
answers come from the same bindings and rules as the checks on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

from scurry.server.auth.environments import EnvironmentIndex
from scurry.server.auth.policy import in_namespace
from scurry.server.auth.principal import Principal
from scurry.server.auth.rbac import Grants, Level, Requirement, missing_role


@dataclass(frozen=True)
class Permissions:
    principal: Principal
    grants: Grants
    environments: EnvironmentIndex

    @property
    def who(self) -> str:
        return self.principal.name

    def in_environment(self, level: Level, environment: str) -> bool:
        need = Requirement(level, "the environment", frozenset({environment}))
        return missing_role(self.grants, need) is None

    async def in_namespace(self, level: Level, namespace: str) -> bool:
        need = await in_namespace(self.environments, level, "objects", namespace)
        return missing_role(self.grants, need) is None

    def cluster(self, level: Level) -> bool:
        return missing_role(self.grants, Requirement(level, "the cluster", cluster=True)) is None
