"""What the fake API server does with objects: Kubernetes' rules, in memory.

The write rules are scurry's own (`scurry.store.writes`: server-managed
metadata, generation, no-op writes, finalizers), the ones the SQL store plays
the API server with; this module adds what only an API server has: one global
resourceVersion, the status subresource, patches, owner-reference garbage
collection and a change history that watches resume from (a watch older than
the history gets 410 Gone, as from a compacted etcd).

Everything runs on the server's event loop; nothing here blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scurry.errors import Conflict, InvalidInput, NotFound, ScurryError
from scurry.store import writes
from scurry.store.selectors import Selector, parse_selector
from scurry.testing.kube.patching import PatchFailed, json_patch, merge_patch
from scurry.testing.kube.resources import STANDARD, ApiResource

Obj = dict[str, Any]
ObjectKey = tuple[tuple[str, str, str], str, str]
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


class ApiError(Exception):
    """An answer other than success, as a Kubernetes `Status`."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message

    def status(self) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "Status",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }


@dataclass(frozen=True)
class Change:
    rv: int
    resource: ApiResource
    type: str
    object: Obj


@dataclass(frozen=True)
class WatchQuery:
    namespace: str | None
    resource_version: str | None = None
    selector: Selector = field(default_factory=Selector)
    name: str | None = None
    timeout: float | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class ApiServer:
    """Objects by (resource, namespace, name), the resourceVersion counter, the history."""

    def __init__(
        self,
        resources: Iterable[ApiResource] = STANDARD,
        *,
        clock: Callable[[], datetime] = utc_now,
        history: int = 10_000,
        garbage_collect: bool = True,
    ) -> None:
        self.resources = {res.key: res for res in resources}
        self.objects: dict[ObjectKey, Obj] = {}
        self.clock = clock
        self.garbage_collect = garbage_collect
        self._rv = 0
        self._log: deque[Change] = deque(maxlen=history)
        self._compacted = 0  # the newest resourceVersion no longer in the history
        self._wake: asyncio.Event | None = None
        self.closed = False

    # -- declarations ------------------------------------------------------------

    def declare(self, resource: ApiResource) -> None:
        self.resources[resource.key] = resource

    def resource(self, group: str, version: str, plural: str) -> ApiResource:
        found = self.resources.get((group, version, plural))
        if found is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return found

    @property
    def resource_version(self) -> int:
        return self._rv

    # -- verbs ---------------------------------------------------------------------

    def create(
        self, res: ApiResource, namespace: str | None, body: Any, dry_run: bool = False
    ) -> Obj:
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body of a create must be an object")
        request = _scoped(res, body, namespace)
        request.setdefault("apiVersion", res.api_version)
        request.setdefault("kind", res.kind)
        name = str((request.get("metadata") or {}).get("name") or "")
        rv = self._rv + 1
        with _as_api_errors():
            created = writes.prepare_create(request, uid=str(uuid.uuid4()), rv=rv, now=self.clock())
        key = (res.key, created["metadata"]["namespace"], created["metadata"]["name"])
        if key in self.objects:
            raise ApiError(
                409, "AlreadyExists", f'{res.qualified} "{name or key[2]}" already exists'
            )
        created["apiVersion"], created["kind"] = res.api_version, res.kind
        if dry_run:
            return _unscoped(res, created)
        self.objects[key] = created
        self._commit(Change(rv, res, "ADDED", created))
        return _unscoped(res, created)

    def get(self, res: ApiResource, namespace: str | None, name: str) -> Obj:
        return _unscoped(res, self._stored(res, namespace, name))

    def list(self, res: ApiResource, query: WatchQuery) -> Obj:
        items = [
            _unscoped(res, obj)
            for (key, _, _), obj in sorted(self.objects.items(), key=lambda item: item[0][1:])
            if key == res.key and _matches(obj, query)
        ]
        return {
            "apiVersion": res.api_version,
            "kind": f"{res.kind}List",
            "metadata": {"resourceVersion": str(self._rv)},
            "items": items,
        }

    def replace(
        self,
        res: ApiResource,
        namespace: str | None,
        name: str,
        body: Any,
        *,
        status: bool,
        dry_run: bool = False,
    ) -> Obj:
        stored = self._stored(res, namespace, name)
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body of an update must be an object")
        request = _scoped(res, body, namespace)
        if res.crd and not writes.resource_version_of(request):
            raise ApiError(
                422,
                "Invalid",
                f'{res.qualified} "{name}" is invalid: metadata.resourceVersion: Invalid value: '
                "0x0: must be specified for an update",
            )
        return self._write(res, stored, request, status=status, dry_run=dry_run)

    def patch(
        self,
        res: ApiResource,
        namespace: str | None,
        name: str,
        body: Any,
        content_type: str,
        *,
        status: bool,
        dry_run: bool = False,
    ) -> tuple[int, Obj]:
        """(HTTP status, object): server-side apply of an absent object creates it (201)."""
        key = self._key(res, namespace, name)
        if key not in self.objects and content_type == APPLY_PATCH and not status:
            return 201, self.create(res, namespace, body, dry_run)
        stored = self._stored(res, namespace, name)
        try:
            if content_type == JSON_PATCH:
                if not isinstance(body, list):
                    raise ApiError(400, "BadRequest", "a JSON patch must be a list of operations")
                patched = json_patch(stored, body)
            else:
                patched = merge_patch(stored, body)
        except PatchFailed as exc:
            raise ApiError(422, "Invalid", f"the patch cannot be applied: {exc}") from None
        if not isinstance(patched, dict):
            raise ApiError(422, "Invalid", "the patch replaced the object with a non-object")
        request = _scoped(res, patched, namespace)
        return 200, self._write(res, stored, request, status=status, dry_run=dry_run)

    def delete(
        self, res: ApiResource, namespace: str | None, name: str, options: Obj | None
    ) -> Obj:
        stored = self._stored(res, namespace, name)
        _check_preconditions(res, stored, (options or {}).get("preconditions") or {})
        rv = self._rv + 1
        if writes.has_finalizers(stored):
            marked = writes.prepare_deletion_mark(stored, rv=rv, now=self.clock())
            if marked is None:
                return _unscoped(res, stored)
            self.objects[self._key(res, namespace, name)] = marked
            self._commit(Change(rv, res, "MODIFIED", marked))
            return _unscoped(res, marked)
        return _unscoped(res, self._remove(res, stored))

    async def watch(self, res: ApiResource, query: WatchQuery) -> AsyncIterator[Obj]:
        """Watch events (`{"type", "object"}`): a full listing first unless resuming."""
        loop = asyncio.get_running_loop()
        deadline = None if query.timeout is None else loop.time() + query.timeout
        start = query.resource_version
        if start in (None, "", "0"):
            cursor = self._rv
            for item in self.list(res, query)["items"]:
                yield {"type": "ADDED", "object": item}
        else:
            cursor = _rv_number(start)
            if cursor < self._compacted:
                yield {"type": "ERROR", "object": _gone(cursor, self._compacted)}
                return
        while not self.closed:
            wake = self._wake_event()
            for change in [change for change in self._log if change.rv > cursor]:
                cursor = change.rv
                if change.resource.key == res.key and _matches(change.object, query):
                    yield {"type": change.type, "object": _unscoped(res, change.object)}
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return
            try:
                await asyncio.wait_for(wake.wait(), remaining)
            except TimeoutError:
                return

    def compact(self) -> None:
        """Forget the history, as etcd compaction does: older watches get 410 Gone."""
        self._compacted = self._rv
        self._log.clear()

    def close(self) -> None:
        self.closed = True
        if self._wake is not None:
            self._wake.set()

    # -- internals ---------------------------------------------------------------------

    def _key(self, res: ApiResource, namespace: str | None, name: str) -> ObjectKey:
        return res.key, (namespace or "") if res.namespaced else "", name

    def _stored(self, res: ApiResource, namespace: str | None, name: str) -> Obj:
        found = self.objects.get(self._key(res, namespace, name))
        if found is None:
            raise ApiError(404, "NotFound", f'{res.qualified} "{name}" not found')
        return found

    def _write(
        self, res: ApiResource, stored: Obj, request: Obj, *, status: bool, dry_run: bool
    ) -> Obj:
        rv = self._rv + 1
        with _as_api_errors():
            if status:
                new = writes.prepare_status(stored, request, rv=rv)
            else:
                new = writes.prepare_update(stored, request, rv=rv)
                if not res.status and request.get("status") != stored.get("status"):
                    new = _with_status(new or stored, request.get("status"), rv)
        if new is None or dry_run:
            return _unscoped(res, new or stored)
        if writes.is_gone(new):
            return _unscoped(res, self._remove(res, new))
        meta = new["metadata"]
        self.objects[(res.key, meta["namespace"], meta["name"])] = new
        self._commit(Change(rv, res, "MODIFIED", new))
        return _unscoped(res, new)

    def _remove(self, res: ApiResource, obj: Obj) -> Obj:
        rv = self._rv + 1
        final = writes.final_state(obj, rv=rv)
        meta = final["metadata"]
        del self.objects[(res.key, meta["namespace"], meta["name"])]
        self._commit(Change(rv, res, "DELETED", final))
        if self.garbage_collect:
            self._collect_dependents(str(meta.get("uid") or ""))
        return final

    def _collect_dependents(self, owner_uid: str) -> None:
        """Background cascading deletion: what the owner no longer exists for goes too."""
        for (res_key, namespace, name), obj in list(self.objects.items()):
            owners = obj["metadata"].get("ownerReferences") or []
            if any(ref.get("uid") == owner_uid for ref in owners):
                with _suppress_missing():
                    self.delete(self.resources[res_key], namespace, name, None)

    def _commit(self, change: Change) -> None:
        self._rv = change.rv
        if self._log.maxlen is not None and len(self._log) == self._log.maxlen:
            self._compacted = self._log[0].rv
        self._log.append(change)
        if self._wake is not None:
            self._wake.set()
            self._wake = None

    def _wake_event(self) -> asyncio.Event:
        if self._wake is None:
            self._wake = asyncio.Event()
        return self._wake


def _scoped(res: ApiResource, body: Obj, namespace: str | None) -> Obj:
    """The object as the write rules take it: cluster-scoped ones in namespace ""."""
    request = copy.deepcopy(body)
    meta = request.get("metadata")
    if not isinstance(meta, dict):
        raise ApiError(400, "BadRequest", "metadata: must be an object")
    if not res.namespaced:
        meta["namespace"] = ""
        return request
    given = meta.get("namespace")
    if namespace and given and given != namespace:
        raise ApiError(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    meta["namespace"] = namespace or given
    return request


def _unscoped(res: ApiResource, obj: Obj) -> Obj:
    answer = copy.deepcopy(obj)
    if not res.namespaced:
        answer["metadata"].pop("namespace", None)
    return answer


def _with_status(obj: Obj, status: Any, rv: int) -> Obj:
    new = copy.deepcopy(obj)
    if status is None:
        new.pop("status", None)
    else:
        new["status"] = copy.deepcopy(status)
    new["metadata"]["resourceVersion"] = str(rv)
    return new


def _matches(obj: Obj, query: WatchQuery) -> bool:
    meta = obj["metadata"]
    if query.namespace and meta.get("namespace") != query.namespace:
        return False
    if query.name is not None and meta.get("name") != query.name:
        return False
    return query.selector.matches(meta.get("labels"))


def _check_preconditions(res: ApiResource, stored: Obj, preconditions: Obj) -> None:
    meta = stored["metadata"]
    for name in ("resourceVersion", "uid"):
        wanted = preconditions.get(name)
        if wanted and str(wanted) != str(meta.get(name)):
            label = "ResourceVersion" if name == "resourceVersion" else "UID"
            raise ApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {res.qualified} "{meta["name"]}": '
                f"Precondition failed: {label} in precondition: {wanted}, "
                f"{label} in object meta: {meta.get(name)}",
            )


def _rv_number(text: str) -> int:
    if not text.isdigit():
        raise ApiError(400, "BadRequest", f"invalid resource version {text!r}")
    return int(text)


def _gone(wanted: int, oldest: int) -> Obj:
    return ApiError(410, "Expired", f"too old resource version: {wanted} ({oldest})").status()


def selector_of(text: str | None) -> Selector:
    try:
        return parse_selector(text)
    except InvalidInput as exc:
        raise ApiError(400, "BadRequest", exc.message) from None


@contextlib.contextmanager
def _as_api_errors() -> Iterator[None]:
    """scurry's errors from the write rules, as the API server's answers."""
    try:
        yield
    except Conflict as exc:
        raise ApiError(409, "Conflict", exc.message) from None
    except NotFound as exc:
        raise ApiError(404, "NotFound", exc.message) from None
    except ScurryError as exc:
        raise ApiError(422, "Invalid", exc.message) from None


@contextlib.contextmanager
def _suppress_missing() -> Iterator[None]:
    try:
        yield
    except ApiError as exc:
        if exc.code != 404:
            raise
