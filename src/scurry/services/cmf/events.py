"""An application's events (v1alpha1): its FlinkDeployment's events, in CMF's shape.

Job state changes are `JOB_STATUS` events; everything else the controller
reports is `CMF_STATUS`. `status.data` is left out: the spec declares it as a
`oneOf` of two schemas that every object matches, so no value could conform
(the message says the same). Each event is attributed to the instance that
was current when it last happened; its reason and count are annotations.
"""

from __future__ import annotations

from typing import Any

from scurry.models.cmf import EventMetadata, EventStatus, FlinkApplicationEvent
from scurry.models.resources import FLINK_DEPLOYMENT
from scurry.ports import InvolvedObject, Obj
from scurry.services.cmf import instances, lookup
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, path_getter, v2_rules

JOB_STATUS = "JOB_STATUS"
CMF_STATUS = "CMF_STATUS"
RULES: ListRules = v2_rules(
    extra_filters={"type": path_getter("status.type")},
    search_scopes={
        "message": path_getter("status.message"),
        "flinkApplicationInstance": path_getter("metadata.flinkApplicationInstance"),
    },
    exact_scopes=frozenset({"flinkApplicationInstance"}),
    default_order=path_getter("metadata.creationTimestamp"),
)


async def page(ctx: CmfContext, env: str, app: str, query: ListQuery) -> dict[str, Any]:
    record = await lookup.application(ctx, env, app)
    namespace = lookup.namespace_of(await lookup.environment(ctx, env))
    about = InvolvedObject(kind=FLINK_DEPLOYMENT.kind, namespace=namespace, name=app)
    found = await ctx.fko.list_events(namespace, about)
    timeline = [
        (i["metadata"].get("creationTimestamp") or "", i["metadata"]["name"])
        for i in await instances.of_application(ctx, record)
    ]
    return page_of([render(event, timeline) for event in found], query, RULES)


def render(event: Obj, timeline: list[tuple[str, str]]) -> dict[str, Any]:
    meta = event.get("metadata") or {}
    when = (
        event.get("lastTimestamp") or event.get("firstTimestamp") or meta.get("creationTimestamp")
    )
    reason, message = str(event.get("reason") or ""), str(event.get("message") or "")
    return FlinkApplicationEvent(
        metadata=EventMetadata(
            name=meta.get("name"),
            uid=meta.get("uid"),
            creation_timestamp=when,
            flink_application_instance=_instance_at(timeline, when),
            annotations={
                "reason": reason,
                "type": str(event.get("type") or "Normal"),
                "count": str(event.get("count") or 1),
            },
        ),
        status=_status(reason, message),
    ).to_wire()


def _status(reason: str, message: str) -> EventStatus:
    kind = JOB_STATUS if reason == "JobStatusChanged" else CMF_STATUS
    return EventStatus(message=message, type=kind)


def _instance_at(timeline: list[tuple[str, str]], when: str | None) -> str | None:
    """The newest instance created at or before `when` (RFC 3339 strings compare in order)."""
    current = None
    for created, name in timeline:
        if when is not None and created[:19] <= when[:19]:
            current = name
    return current
