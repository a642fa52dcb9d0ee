"""Which CMF environments a Kubernetes namespace belongs to, read from the store.

An environment's `spec.kubernetesNamespace` places it; FKO and core resources in
that namespace are governed by the roles in that environment. The mapping is
cached for `ttl` seconds: a new environment's namespace is governed by it
within that time (until then only cluster roles reach the namespace).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from scurry.errors import NotFound
from scurry.ports import Obj, ResourceStore

ENVIRONMENT_KIND = "CmfEnvironment"


def namespace_of(environment: Obj) -> str | None:
    value = (environment.get("spec") or {}).get("kubernetesNamespace")
    return value if isinstance(value, str) and value else None


class EnvironmentIndex:
    def __init__(
        self,
        store: ResourceStore,
        *,
        ttl: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.ttl, self._clock = store, ttl, clock
        self._by_namespace: Mapping[str, frozenset[str]] = {}
        self._taken_at: float | None = None
        self._lock = asyncio.Lock()

    async def of_namespace(self, namespace: str) -> frozenset[str]:
        """The environments whose namespace this is (none: only cluster roles apply)."""
        return (await self._mapping()).get(namespace, frozenset())

    async def get(self, name: str) -> Obj | None:
        """The environment as stored now (not cached: updates are judged on fresh data)."""
        try:
            return await self.store.get(ENVIRONMENT_KIND, "", name)
        except NotFound:
            return None

    async def _mapping(self) -> Mapping[str, frozenset[str]]:
        async with self._lock:
            now = self._clock()
            if self._taken_at is None or now - self._taken_at >= self.ttl:
                self._by_namespace = await self._read()
                self._taken_at = now
            return self._by_namespace

    async def _read(self) -> Mapping[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for environment in await self.store.list(ENVIRONMENT_KIND):
            namespace = namespace_of(environment)
            if namespace is not None:
                found.setdefault(namespace, set()).add(environment["metadata"]["name"])
        return {namespace: frozenset(names) for namespace, names in found.items()}
