"""kopf's handlers: every watched change goes to the controller, and nothing else.

kopf brings the watches (listing, resuming, namespace scoping), the
connection and its retries. Its state keeping is not used: `on.event`
handlers write nothing to the objects (no progress annotations, no kopf
finalizer); the controller keeps FKO's status and finalizers itself, and
leadership comes from the controller's Lease, not from kopf's peering.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import kopf

from scurry.ports import WatchEvent, WatchType
from scurry.store.kubernetes.kinds import KubeKind

Feed = Callable[[WatchEvent], Awaitable[None]]


def build_registry(
    kinds: Iterable[KubeKind], feed: Feed, login: Callable[[], kopf.ConnectionInfo]
) -> kopf.OperatorRegistry:
    """A registry that logs in with `login` and hands each event of `kinds` to `feed`."""
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    def _login(**_: Any) -> kopf.ConnectionInfo:
        return login()

    async def forward(event: kopf.RawEvent, **_: Any) -> None:
        # kopf reports the objects of its initial listing with no type: they are new to us.
        seen = event.get("type")
        change: WatchType = "DELETED" if seen == "DELETED" else "MODIFIED" if seen else "ADDED"
        await feed(WatchEvent(change, copy.deepcopy(dict(event["object"]))))

    for kind in kinds:
        kopf.on.event(
            kind.group, kind.version, kind.plural, id=f"feed-{kind.plural}", registry=registry
        )(forward)
    return registry
