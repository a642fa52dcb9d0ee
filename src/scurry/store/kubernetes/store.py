"""`KubernetesStore`: the ResourceStore port over the Kubernetes API.

Objects are custom resources (and ConfigMaps, Secrets) in the API server,
which plays every rule the port states: server-managed metadata, generation,
the status subresource, finalizers, resourceVersion preconditions (409 is
scurry's `Conflict`), label selectors and watches. Events are `v1 Event`s,
leases `coordination.k8s.io/v1` Leases in `lease_namespace`.

The `kubernetes` client blocks, so requests run on the store's worker threads
and each watch stream has a thread of its own. With `namespaces` set, the
store reads and watches only those namespaces (namespace-scoped RBAC needs
no cluster-wide permission); None means the whole cluster.
"""

from __future__ import annotations

import asyncio
import builtins
import copy
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from kubernetes.client import ApiClient

from scurry.errors import Conflict, InvalidInput, NotFound, Unavailable
from scurry.ports import EventRecord, InvolvedObject, Lease, Obj, WatchEvent
from scurry.store import apierrors, writes
from scurry.store.kubernetes import events, leases
from scurry.store.kubernetes.kinds import DEFAULT_WATCH, LEASE, KubeKind, kube_kind
from scurry.store.kubernetes.rest import AlreadyExists, KubeRest
from scurry.store.kubernetes.watch import SERVER_TIMEOUT, Source, Watch
from scurry.store.selectors import parse_selector

if TYPE_CHECKING:
    from scurry.ports import ResourceStore

T = TypeVar("T")
Clock = Callable[[], datetime]
_UPDATE_ATTEMPTS = 5
# Set by the API server; a request carrying them is refused, so they are never sent.
_NOT_SENT = ("creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")


def utc_now() -> datetime:
    return datetime.now(UTC)


class KubernetesStore:
    def __init__(
        self,
        client: ApiClient,
        *,
        namespaces: Sequence[str] | None = None,
        lease_namespace: str = "default",
        clock: Clock | None = None,
        workers: int = 4,
        watch_timeout: int = SERVER_TIMEOUT,
    ) -> None:
        self._rest = KubeRest(client)
        self.namespaces = tuple(namespaces) if namespaces else None
        self.lease_namespace = lease_namespace
        self._clock = clock or utc_now
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="scurry-kube")
        self._watch_timeout = watch_timeout
        self._known_rv = 0
        self._watches: set[Watch] = set()
        self._closed = False

    async def start(self) -> None:
        """Learn the API server's current resourceVersion, where watches begin."""
        answer = await self._call(lambda: self._rest.call("GET", LEASE.path(self.lease_namespace)))
        self._saw(answer)

    # -- objects -------------------------------------------------------------------

    async def create(self, obj: Obj) -> Obj:
        kind, namespace, name = writes.key_of(obj)
        info = kube_kind(kind)
        self._check_scope(namespace)
        body = _request_body(obj, info)
        body["metadata"].pop("resourceVersion", None)
        body["metadata"].pop("uid", None)
        body.pop("status", None)
        try:
            created = await self._call(
                lambda: self._rest.call("POST", info.path(namespace), body=body)
            )
        except AlreadyExists:
            raise apierrors.already_exists(kind, name) from None
        return self._object(created, info)

    async def get(self, kind: str, namespace: str, name: str) -> Obj:
        info = kube_kind(kind)
        found = await self._named(
            kind, name, lambda: self._rest.call("GET", info.path(namespace, name))
        )
        return self._object(found, info)

    async def list(
        self, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> builtins.list[Obj]:
        info = kube_kind(kind)
        parse_selector(label_selector)  # a malformed selector is named before anything is sent
        query = [("labelSelector", label_selector)] if label_selector else []
        items: builtins.list[Obj] = []
        for scope in self._scopes(namespace):
            path = info.path(scope)
            answer: Obj = await self._call(partial(self._rest.call, "GET", path, query=query))
            self._saw(answer)
            items.extend(self._object(item, info) for item in answer.get("items") or [])
        return sorted(items, key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))

    async def update(self, obj: Obj) -> Obj:
        return await self._replace(obj, status=False)

    async def update_status(self, obj: Obj) -> Obj:
        return await self._replace(obj, status=True)

    async def delete(
        self, kind: str, namespace: str, name: str, *, resource_version: str | None = None
    ) -> Obj | None:
        info = kube_kind(kind)
        options: Obj = {"apiVersion": "v1", "kind": "DeleteOptions"}
        if resource_version:
            options["preconditions"] = {"resourceVersion": resource_version}
        answer = await self._named(
            kind, name, lambda: self._rest.call("DELETE", info.path(namespace, name), body=options)
        )
        if not isinstance(answer, dict) or answer.get("kind") == "Status":
            return None
        remaining = self._object(answer, info)
        return remaining if writes.has_finalizers(remaining) else None

    def watch(self, kinds: Collection[str] | None = None) -> AsyncIterator[WatchEvent]:
        """Changes after this call (as far as this store has seen) of `kinds`, in order per kind."""
        if self._closed:
            raise Unavailable("the store is closed")
        wanted = [kube_kind(kind) for kind in (DEFAULT_WATCH if kinds is None else kinds)]
        sources = [Source(info, scope) for info in wanted for scope in self._scopes(None)]
        watch = Watch(self._rest, sources, str(self._known_rv), server_timeout=self._watch_timeout)
        self._watches.add(watch)
        return self._stream(watch)

    async def _stream(self, watch: Watch) -> AsyncIterator[WatchEvent]:
        try:
            async for event in watch.events():
                self._saw(event.object)
                yield event
        finally:
            self._watches.discard(watch)

    # -- events and leases ---------------------------------------------------------------

    async def record_event(self, event: EventRecord) -> None:
        now = self._clock()
        await self._call(lambda: events.record(self._rest, event, now))

    async def list_events(
        self, namespace: str | None = None, involved: InvolvedObject | None = None
    ) -> builtins.list[Obj]:
        scopes = self._scopes(namespace)
        return await self._call(lambda: events.select(self._rest, scopes, involved))

    async def try_acquire_lease(
        self, name: str, holder: str, duration_seconds: float, *, steal_from: str | None = None
    ) -> Lease:
        if not holder or duration_seconds <= 0:
            raise InvalidInput("a lease needs a holder and a positive duration")
        now = self._clock()
        return await self._call(
            lambda: leases.acquire(
                self._rest,
                self.lease_namespace,
                name,
                holder,
                duration_seconds,
                steal_from=steal_from,
                now=now,
            )
        )

    async def release_lease(self, name: str, holder: str) -> None:
        await self._call(lambda: leases.release(self._rest, self.lease_namespace, name, holder))

    async def close(self) -> None:
        """End every watch and release the connection."""
        if self._closed:
            return
        self._closed = True
        for watch in list(self._watches):
            watch.stop()
        await asyncio.to_thread(self._shut_down)

    def _shut_down(self) -> None:
        self._executor.shutdown(wait=True)
        self._rest.close()

    # -- internals -----------------------------------------------------------------------

    async def _replace(self, obj: Obj, *, status: bool) -> Obj:
        """PUT the object (or its status); without a resourceVersion, against the current one."""
        kind, namespace, name = writes.key_of(obj)
        info = kube_kind(kind)
        body = _request_body(obj, info)
        if not status:
            body.pop("status", None)
        path = info.path(namespace, name, "status" if status else None)
        conditional = writes.resource_version_of(obj) is not None
        for _ in range(_UPDATE_ATTEMPTS):
            if not conditional:
                current = await self.get(kind, namespace, name)
                body["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            try:
                answer = await self._named(
                    kind, name, lambda: self._rest.call("PUT", path, body=body)
                )
                return self._object(answer, info)
            except Conflict:
                if conditional:
                    raise apierrors.modified(kind, name) from None
        raise apierrors.modified(kind, name)

    async def _named(self, kind: str, name: str, work: Callable[[], T]) -> T:
        """Run `work`, with the store's wording for a missing or modified object."""
        try:
            return await self._call(work)
        except NotFound:
            raise apierrors.not_found(kind, name) from None
        except AlreadyExists:
            raise
        except Conflict:
            raise apierrors.modified(kind, name) from None

    def _scopes(self, namespace: str | None) -> builtins.list[str | None]:
        if namespace is not None:
            return [namespace]
        return list(self.namespaces) if self.namespaces else [None]

    def _check_scope(self, namespace: str) -> None:
        if self.namespaces and namespace not in self.namespaces:
            watched = ", ".join(self.namespaces)
            raise InvalidInput(
                f"metadata.namespace: {namespace!r} is not a watched namespace ({watched})"
            )

    def _object(self, obj: Obj, info: KubeKind) -> Obj:
        """The API server's answer as the port returns it: kind and apiVersion always set."""
        self._saw(obj)
        obj.setdefault("apiVersion", info.api_version)
        obj.setdefault("kind", info.kind)
        return obj

    def _saw(self, obj: Any) -> None:
        version = str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")
        if version.isdigit():
            self._known_rv = max(self._known_rv, int(version))

    async def _call(self, work: Callable[[], T]) -> T:
        if self._closed:
            raise Unavailable("the store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work)


def _request_body(obj: Obj, info: KubeKind) -> Obj:
    """A copy without what only the API server sets, with apiVersion filled in."""
    body = copy.deepcopy(obj)
    body["apiVersion"] = info.api_version
    meta = body["metadata"]
    for field in _NOT_SENT:
        meta.pop(field, None)
    return body


async def open_kubernetes_store(
    client: ApiClient,
    *,
    namespaces: Sequence[str] | None = None,
    lease_namespace: str = "default",
    clock: Clock | None = None,
    watch_timeout: int = SERVER_TIMEOUT,
) -> KubernetesStore:
    """A ready store: it knows the current resourceVersion, so watches start now."""
    store = KubernetesStore(
        client,
        namespaces=namespaces,
        lease_namespace=lease_namespace,
        clock=clock,
        watch_timeout=watch_timeout,
    )
    try:
        await store.start()
    except BaseException:
        await store.close()
        raise
    return store


if TYPE_CHECKING:

    def _conforms(store: KubernetesStore) -> ResourceStore:
        """mypy checks here that KubernetesStore implements the port exactly."""
        return store
