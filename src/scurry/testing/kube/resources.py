"""The resources the fake API server serves, declared as an API server's discovery does.

A declaration is all the server knows of a resource: no schema, no defaulting.
`status` says whether it has a status subresource (then writes to the object
never change its status, and `/status` writes change nothing else); `crd`
whether it is a custom resource (then an update must name a resourceVersion,
as the API server demands of custom resources).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiResource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    status: bool = False
    crd: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str, str]:
        return self.group, self.version, self.plural

    @property
    def qualified(self) -> str:
        """`flinkdeployments.flink.apache.org`, or `pods` for the core group (error messages)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _core(plural: str, kind: str, **flags: bool) -> ApiResource:
    return ApiResource("", "v1", plural, kind, **flags)


def _crd(group: str, plural: str, kind: str) -> ApiResource:
    return ApiResource(group, "v1beta1", plural, kind, status=True, crd=True)


STANDARD: tuple[ApiResource, ...] = (
    _core("namespaces", "Namespace", namespaced=False, status=True),
    _core("pods", "Pod", status=True),
    _core("services", "Service", status=True),
    _core("configmaps", "ConfigMap"),
    _core("secrets", "Secret"),
    _core("events", "Event"),
    _core("serviceaccounts", "ServiceAccount"),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", status=True),
    ApiResource("apps", "v1", "deployments", "Deployment", status=True),
    ApiResource("apps", "v1", "replicasets", "ReplicaSet", status=True),
    ApiResource("coordination.k8s.io", "v1", "leases", "Lease"),
    ApiResource("networking.k8s.io", "v1", "ingresses", "Ingress", status=True),
    ApiResource("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    ApiResource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    ApiResource("events.k8s.io", "v1", "events", "Event"),
    _crd("flink.apache.org", "flinkdeployments", "FlinkDeployment"),
    _crd("flink.apache.org", "flinksessionjobs", "FlinkSessionJob"),
    _crd("flink.apache.org", "flinkstatesnapshots", "FlinkStateSnapshot"),
    _crd("flink.apache.org", "flinkbluegreendeployments", "FlinkBlueGreenDeployment"),
    _crd("platform.confluent.io", "flinkenvironments", "FlinkEnvironment"),
    _crd("platform.confluent.io", "flinkapplications", "FlinkApplication"),
    _crd("platform.confluent.io", "cmfrestclasses", "CMFRestClass"),
)
