"""Where each kind the Kubernetes store keeps lives in the API: group, version, plural."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from scurry.errors import InvalidInput
from scurry.models.resources import KINDS

CFK_GROUP = "platform.confluent.io"
CFK_VERSION = "v1beta1"


@dataclass(frozen=True)
class KubeKind:
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None, name: str | None = None, sub: str | None = None) -> str:
        """The REST path of the collection (cluster-wide when `namespace` is None) or object."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        if name is not None:
            base += f"/{quote(name, safe='')}"
        if sub is not None:
            base += f"/{sub}"
        return base


FLINK_KINDS = tuple(KubeKind(i.kind, i.group, i.version, i.plural) for i in KINDS)
EVENT = KubeKind("Event", "", "v1", "events")
LEASE = KubeKind("Lease", "coordination.k8s.io", "v1", "leases")
CFK_KINDS = (
    KubeKind("FlinkEnvironment", CFK_GROUP, CFK_VERSION, "flinkenvironments"),
    KubeKind("FlinkApplication", CFK_GROUP, CFK_VERSION, "flinkapplications"),
    KubeKind("CMFRestClass", CFK_GROUP, CFK_VERSION, "cmfrestclasses"),
)
SERVED = {
    k.kind: k
    for k in (
        *FLINK_KINDS,
        KubeKind("ConfigMap", "", "v1", "configmaps"),
        KubeKind("Secret", "", "v1", "secrets"),
        *CFK_KINDS,
    )
}
# What `watch()` without kinds follows: the kinds the controller acts on.
DEFAULT_WATCH = tuple(k.kind for k in FLINK_KINDS)


def kube_kind(kind: str) -> KubeKind:
    found = SERVED.get(kind)
    if found is None:
        served = ", ".join(sorted(SERVED))
        raise InvalidInput(f"kind {kind!r}: the Kubernetes store keeps only {served}")
    return found
