"""Everything a detail page shows about one FlinkDeployment or FlinkSessionJob."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from scurry.bootstrap import Container
from scurry.models.resources import FLINK_STATE_SNAPSHOT, KindInfo
from scurry.ports import InvolvedObject, Obj
from scurry.web.timeline import Entry, timeline
from scurry.web.views import Summary, snapshots_of, summary_of


@dataclass(frozen=True)
class Detail:
    obj: Obj
    info: KindInfo
    summary: Summary
    snapshots: list[Obj]
    timeline: list[Entry]

    @property
    def name(self) -> str:
        return str(self.obj["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.obj["metadata"]["namespace"])

    @property
    def href(self) -> str:
        return f"/ui/namespaces/{self.namespace}/{self.info.plural}/{self.name}"

    @property
    def spec_yaml(self) -> str:
        return yaml.safe_dump(self.obj.get("spec") or {}, sort_keys=False)


async def detail(container: Container, info: KindInfo, namespace: str, name: str) -> Detail:
    obj = await container.store.get(info.kind, namespace, name)
    found = await container.store.list(FLINK_STATE_SNAPSHOT.kind, namespace)
    snapshots = snapshots_of(found, info.kind, name)
    involved = InvolvedObject(info.kind, namespace, name)
    events = await container.store.list_events(namespace, involved)
    return Detail(obj, info, summary_of(obj, snapshots), snapshots, timeline(events))
