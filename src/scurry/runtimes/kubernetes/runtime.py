"""The Kubernetes runtime: Flink clusters as Deployments, Services and a ConfigMap.

`apply` is idempotent for one deploy token: the objects of that attempt are
created where missing and left alone where present. A cluster deployed with
another token is removed first (Deployments with foreground propagation, then
Flink's HA ConfigMaps once no pod is left to rewrite them), as the local runtime
stops its processes before starting new ones: two generations never run at
once and a new job never recovers the old one's HA state; the controller
restores from the checkpoint or savepoint it chose. `observe` reads the
Deployments and pods and asks the JobManager's REST API (through its Service,
a URL template, or a port-forward) whether it is the one this attempt started.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from scurry.errors import ArtifactError, NotFound, RuntimeFailure, ScurryError, Unavailable
from scurry.models.cluster import (
    ClusterObservation,
    ClusterRef,
    ClusterSpec,
    JobLaunch,
    PreparedJob,
)
from scurry.ports import FlinkApiFactory
from scurry.runtimes.fetch import (
    HTTP_HEADER_OPTION,
    ArtifactFetcher,
    S3Options,
    is_remote,
    parse_http_headers,
    remote_uri_problem,
    s3_client,
)
from scurry.runtimes.kubernetes import clusterconf, naming, snapshots
from scurry.runtimes.kubernetes.kubeapi import MERGE_PATCH, AlreadyExists, KubeApi, path_of
from scurry.runtimes.kubernetes.observe import (
    RestCheck,
    annotations_of,
    current_pods,
    observe_cluster,
)
from scurry.runtimes.kubernetes.pods import RenderOptions
from scurry.runtimes.kubernetes.podtemplate import MAIN_CONTAINER
from scurry.runtimes.kubernetes.portforward import PortForwarder
from scurry.runtimes.kubernetes.render import render_cluster
from scurry.runtimes.local import checkpoints as local_checkpoints

log = logging.getLogger(__name__)
T = TypeVar("T")
Obj = dict[str, Any]
# Deleted in this order: what routes to the cluster, the pods, then what they read.
CLUSTER_KINDS = ("Ingress", "Deployment", "Service", "ConfigMap", "RoleBinding", "Role")
DEFAULT_REST_URL = "http://{name}-rest.{namespace}.svc:{port}"


@dataclass(frozen=True)
class KubernetesOptions:
    """How this installation reaches its clusters (from settings)."""

    render: RenderOptions = field(default_factory=RenderOptions)
    # `{name}`, `{namespace}`, `{port}` are filled in; None means the REST Service in-cluster.
    rest_url: str | None = None
    port_forward: bool = False
    artifacts_dir: Path = Path("/tmp/scurry-artifacts")
    s3: S3Options = field(default_factory=S3Options)
    shutdown_timeout: float = 120.0
    poll_interval: float = 1.0


class KubernetesRuntime:
    name = "kubernetes"
    # The kubelet resolves env/envFrom references itself, from the pod templates as written.
    needs_resolved_env = False

    def __init__(
        self,
        api: KubeApi,
        flink_api: FlinkApiFactory,
        options: KubernetesOptions | None = None,
        *,
        forwarder: PortForwarder | None = None,
        fetcher: ArtifactFetcher | None = None,
    ) -> None:
        self.api, self.flink_api = api, flink_api
        self.options = options or KubernetesOptions()
        self.forwarder = forwarder
        self.fetcher = fetcher or ArtifactFetcher(self.options.s3)
        self._callbacks: list[Callable[[ClusterRef], None]] = []
        self._locks: dict[ClusterRef, asyncio.Lock] = {}

    async def _call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(partial(func, *args, **kwargs))

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Nothing to adopt: the clusters are Kubernetes objects and outlive the operator."""

    async def close(self) -> None:
        if self.forwarder is not None:
            await self.forwarder.close()

    def on_change(self, callback: Callable[[ClusterRef], None]) -> None:
        self._callbacks.append(callback)

    def _lock(self, ref: ClusterRef) -> asyncio.Lock:
        return self._locks.setdefault(ref, asyncio.Lock())

    # -- apply and delete ---------------------------------------------------------

    def defaults(self, ref: ClusterRef) -> dict[str, str]:
        return {}

    async def apply(self, spec: ClusterSpec) -> None:
        objects = render_cluster(spec, self.options.render)
        async with self._lock(spec.ref):
            current = await self._call(
                self.api.get, "Deployment", spec.ref.namespace, spec.ref.name
            )
            same = current is not None and _token(current) == spec.token
            if current is not None and not (same and not _deleting(current)):
                await self._remove(spec.ref)
            for obj in objects:
                await self._call(self._ensure, obj, replace=not same)

    def _ensure(self, obj: Obj, *, replace: bool) -> None:
        """Create `obj`; when it exists, lay it over what is there (or leave it, if current).

        A refusal names the object: the API server's message alone (quota, RBAC, admission)
        does not always say which of the cluster's objects it refused.
        """
        what = f"{obj['kind']} {obj['metadata']['name']}"
        try:
            try:
                self.api.request("POST", path_of(obj, named=False), body=obj)
            except AlreadyExists:
                if replace:
                    self.api.request("PATCH", path_of(obj), body=obj, content_type=MERGE_PATCH)
        except NotFound as exc:  # on a create: the API server does not serve the kind
            raise RuntimeFailure(f"cannot create {what}: {exc.message}") from None
        except ScurryError as exc:
            raise type(exc)(f"cannot create {what}: {exc.message}") from None

    async def delete(self, ref: ClusterRef) -> None:
        async with self._lock(ref):
            await self._remove(ref)
        if self.forwarder is not None:
            await self.forwarder.forget(ref.namespace)
        for callback in self._callbacks:
            callback(ref)

    async def _remove(self, ref: ClusterRef) -> None:
        """Every object of the cluster; HA ConfigMaps once its pods are gone."""
        selector = naming.cluster_selector(ref.name)
        for kind in CLUSTER_KINDS:
            for obj in await self._call(self.api.list, kind, ref.namespace, selector):
                name = obj["metadata"]["name"]
                await self._call(
                    self.api.delete, kind, ref.namespace, name, foreground=kind == "Deployment"
                )
        await self._wait_for_pods_gone(ref)
        for obj in await self._call(
            self.api.list, "ConfigMap", ref.namespace, naming.ha_selector(ref.name)
        ):
            await self._call(self.api.delete, "ConfigMap", ref.namespace, obj["metadata"]["name"])

    async def _wait_for_pods_gone(self, ref: ClusterRef) -> None:
        deadline = time.monotonic() + self.options.shutdown_timeout
        selector = f"{naming.LABEL_APP}={ref.name},{naming.LABEL_COMPONENT}"
        while True:
            deployments = await self._call(
                self.api.list, "Deployment", ref.namespace, naming.cluster_selector(ref.name)
            )
            pods = await self._call(self.api.list, "Pod", ref.namespace, selector)
            if not deployments and not pods:
                return
            if time.monotonic() >= deadline:
                raise Unavailable(
                    f"cluster {ref} is still shutting down ({len(pods)} pods left); "
                    "its removal goes on and is checked again"
                )
            await asyncio.sleep(self.options.poll_interval)

    # -- observation ------------------------------------------------------------------

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        ns, name = ref.namespace, ref.name
        jobmanager = await self._call(
            self.api.get, "Deployment", ns, naming.jobmanager_deployment(name)
        )
        if jobmanager is None or _deleting(jobmanager):
            return ClusterObservation.absent()
        taskmanager = await self._call(
            self.api.get, "Deployment", ns, naming.taskmanager_deployment(name)
        )
        selector = f"{naming.LABEL_APP}={name},{naming.LABEL_COMPONENT}={naming.JOBMANAGER}"
        pods = await self._call(self.api.list, "Pod", ns, selector)
        rest = url = None
        if _available(jobmanager):
            url = await self.rest_url(ref, jobmanager, current_pods(pods, _token(jobmanager)))
            if url is not None:
                rest = await self._check_rest(url, jobmanager)
        return observe_cluster(jobmanager, taskmanager, pods, rest, url)

    async def rest_url(
        self, ref: ClusterRef, jobmanager: Obj, pods: Sequence[Mapping[str, Any]]
    ) -> str | None:
        """Where the JobManager's REST API answers this process (None: no ready pod to reach)."""
        port = _rest_port(jobmanager)
        if self.options.rest_url:
            return self.options.rest_url.format(name=ref.name, namespace=ref.namespace, port=port)
        if not self.options.port_forward or self.forwarder is None:
            return DEFAULT_REST_URL.format(name=ref.name, namespace=ref.namespace, port=port)
        ready = [pod["metadata"]["name"] for pod in pods if _pod_ready(pod)]
        if not ready:
            return None
        await self.forwarder.forget(ref.namespace, keep_pods=set(ready))
        return await self.forwarder.url(ref.namespace, sorted(ready)[0], port)

    async def _check_rest(self, url: str, jobmanager: Obj) -> RestCheck | None:
        api = self.flink_api(url)
        notes = annotations_of(jobmanager)
        try:
            identity = (await api.jobmanager_config()).get(clusterconf.IDENTITY_KEY)
            if identity != notes.get(naming.DEPLOY_TOKEN_ANNOTATION):
                return RestCheck(identity=identity)
            dashboard = await api.dashboard_config()
            job_id = notes.get(naming.JOB_ID_ANNOTATION)
            known = bool(job_id) and any(j.jid == job_id for j in await api.jobs_overview())
            return RestCheck(
                identity=identity,
                job_known=known,
                flink_version=dashboard.flink_version,
                flink_revision=dashboard.flink_revision,
            )
        except ScurryError as exc:  # not answering yet: the JobManager is still starting
            log.debug("REST API of %s at %s: %s", jobmanager["metadata"]["name"], url, exc)
            return None
        finally:
            await api.close()

    async def logs(
        self, ref: ClusterRef, component: str, index: int = 0, tail: int | None = None
    ) -> str:
        role = naming.JOBMANAGER if component == naming.JOBMANAGER else naming.TASKMANAGER
        selector = f"{naming.LABEL_APP}={ref.name},{naming.LABEL_COMPONENT}={role}"
        pods = sorted(
            await self._call(self.api.list, "Pod", ref.namespace, selector),
            key=lambda pod: pod["metadata"]["name"],
        )
        if index >= len(pods):
            raise NotFound(f"no {component} pod for {ref}" + (f" #{index}" if index else ""))
        query = [("container", MAIN_CONTAINER)]
        if tail is not None:
            query.append(("tailLines", str(tail)))
        path = f"/api/v1/namespaces/{ref.namespace}/pods/{pods[index]['metadata']['name']}/log"
        return await self._call(self.api.text, path, query=query)

    async def log_path(self, ref: ClusterRef, component: str, index: int = 0) -> str | None:
        return None  # logs live in the pods; `logs` reads them through the API

    async def stop_all(self) -> None:
        """Clusters on Kubernetes belong to the cluster, not to this process: nothing to stop."""

    # -- artifacts and snapshots ----------------------------------------------------------

    async def prepare_job(self, ref: ClusterRef, job: JobLaunch) -> PreparedJob:
        """A session job's jar on the operator's disk, fetched if remote (FKO's ArtifactManager)."""
        uri = job.jar_uri
        if not uri:
            raise ArtifactError("a session job needs a jarURI")
        if is_remote(uri):
            target = self.options.artifacts_dir / ref.namespace / ref.name
            headers = parse_http_headers(job.flink_config.get(HTTP_HEADER_OPTION))
            path = await self.fetcher.fetch(uri, target, headers=headers)
        else:
            path = _operator_file(uri)
        return PreparedJob(jar_path=str(path), entry_class=job.entry_class, args=job.args)

    async def check_job(
        self, jar_uri: str | None, entry_class: str | None, args: Sequence[str]
    ) -> None:
        """Offline syntax only: jars inside the image are the image's business."""
        if jar_uri and is_remote(jar_uri):
            problem = remote_uri_problem(jar_uri)
            if problem:
                raise ArtifactError(f"jarURI {jar_uri}: {problem}")

    async def latest_checkpoint(self, checkpoint_dir: str, job_id: str) -> str | None:
        if snapshots.is_s3(checkpoint_dir):
            client = s3_client(self.options.s3)
            return await self._call(snapshots.latest_checkpoint_s3, client, checkpoint_dir, job_id)
        return await self._call(local_checkpoints.latest_checkpoint, checkpoint_dir, job_id)

    async def dispose_snapshot(self, path: str) -> bool:
        if snapshots.is_s3(path):
            return await self._call(snapshots.dispose_s3, s3_client(self.options.s3), path)
        if local_checkpoints.local_path(path) is None:
            log.warning("cannot dispose %s from the operator: not S3, not a mounted path", path)
            return False
        return await self._call(local_checkpoints.dispose, path)

    async def check_savepoint(self, path: str) -> None:
        if snapshots.is_s3(path):
            found = await self._call(
                snapshots.savepoint_exists_s3, s3_client(self.options.s3), path
            )
            if not found:
                raise ArtifactError(f"savepoint {path} does not exist (no _metadata there)")


def _operator_file(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme not in ("", "file"):
        raise ArtifactError(
            f"jarURI {uri}: a session job's jar is uploaded by the operator, so it must be "
            "http(s)://, s3:// or a file:// path the operator can read"
        )
    path = Path(unquote(parsed.path))
    if not path.is_file():
        raise ArtifactError(f"jarURI {uri}: no such file on the operator")
    return path


def _token(obj: Obj) -> str | None:
    return annotations_of(obj).get(naming.DEPLOY_TOKEN_ANNOTATION)


def _deleting(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def _available(deployment: Obj) -> bool:
    return int((deployment.get("status") or {}).get("availableReplicas") or 0) > 0


def _pod_ready(pod: Mapping[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _rest_port(jobmanager: Obj) -> int:
    containers = (((jobmanager.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or []
    for container in containers:
        if container.get("name") == MAIN_CONTAINER:
            for item in container.get("ports") or []:
                if item.get("name") == "rest":
                    return int(item["containerPort"])
    return clusterconf.REST_PORT
