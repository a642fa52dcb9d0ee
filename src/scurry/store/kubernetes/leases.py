"""Leases as `coordination.k8s.io/v1` Lease objects, as client-go's leader election keeps them.

Taking a lease is a read, then a create (absent) or an update with the read's
resourceVersion (expired, ours, or named to steal from): of two replicas that
race, the API server lets exactly one write succeed, and the other reads
again and sees the winner. Expiry compares the holder's last `renewTime` with
this process's clock, as client-go does, so clocks must be roughly in sync.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from scurry.errors import Conflict, NotFound, Unavailable
from scurry.ports import Lease, Obj
from scurry.store.kubernetes.kinds import LEASE
from scurry.store.kubernetes.rest import KubeRest

_ATTEMPTS = 5


def acquire(
    rest: KubeRest,
    namespace: str,
    name: str,
    holder: str,
    duration_seconds: float,
    *,
    steal_from: str | None,
    now: datetime,
) -> Lease:
    """Take or renew `name` for `holder` if allowed; the answer says who holds it now."""
    seconds = max(1, math.ceil(duration_seconds))
    for _ in range(_ATTEMPTS):
        try:
            current = rest.call("GET", LEASE.path(namespace, name))
        except NotFound:
            current = None
        try:
            if current is None:
                body = {
                    "apiVersion": LEASE.api_version,
                    "kind": LEASE.kind,
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": _spec({}, holder, seconds, now),
                }
                return _lease(name, rest.call("POST", LEASE.path(namespace), body=body))
            if not _takeable(current, holder, steal_from, now):
                return _lease(name, current)
            current["spec"] = _spec(current.get("spec") or {}, holder, seconds, now)
            return _lease(name, rest.call("PUT", LEASE.path(namespace, name), body=current))
        except Conflict:  # another replica wrote first: read again
            continue
    raise Unavailable(f"lease {namespace}/{name}: lost {_ATTEMPTS} write races")


def release(rest: KubeRest, namespace: str, name: str, holder: str) -> None:
    """Clear the holder if `holder` still holds it; anyone may take it at once.

    As client-go releases: an update (the Lease stays, with its history), so
    releasing needs no permission beyond renewing. A conflict is read again: it
    may be this holder's own last renewal, still in flight when it shut down.
    """
    for _ in range(_ATTEMPTS):
        try:
            current = rest.call("GET", LEASE.path(namespace, name))
        except NotFound:
            return
        spec = current.get("spec") or {}
        if spec.get("holderIdentity") != holder:
            return
        current["spec"] = {**spec, "holderIdentity": ""}
        try:
            rest.call("PUT", LEASE.path(namespace, name), body=current)
            return
        except NotFound:
            return
        except Conflict:
            continue


def _takeable(current: Obj, holder: str, steal_from: str | None, now: datetime) -> bool:
    spec = current.get("spec") or {}
    held_by = spec.get("holderIdentity")
    if not held_by or held_by == holder or (steal_from is not None and held_by == steal_from):
        return True
    renewed = _parse(spec.get("renewTime"))
    duration = float(spec.get("leaseDurationSeconds") or 0)
    return renewed is None or renewed.timestamp() + duration < now.timestamp()


def _spec(spec: Obj, holder: str, seconds: int, now: datetime) -> Obj:
    stamp = _micro(now)
    new = dict(spec)
    if spec.get("holderIdentity") != holder:
        new["acquireTime"] = stamp
        new["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (1 if spec else 0)
    new.update(holderIdentity=holder, leaseDurationSeconds=seconds, renewTime=stamp)
    return new


def _lease(name: str, obj: Obj) -> Lease:
    spec = obj.get("spec") or {}
    renewed = _parse(spec.get("renewTime")) or datetime.fromtimestamp(0, UTC)
    return Lease(
        name,
        str(spec.get("holderIdentity") or ""),
        renewed,
        float(spec.get("leaseDurationSeconds") or 0),
    )


def _micro(moment: datetime) -> str:
    """Kubernetes' MicroTime: `2026-11-26T18:00:00.000000Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
