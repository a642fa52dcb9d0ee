"""The one place that wires settings, store, runtime and clients together.

Nothing is built at import time: entry points call `build()` and close what
it returns. Tests pass their own store, runtime or Flink client instead.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from scurry import __version__
from scurry.config.defaults import profile_defaults
from scurry.config.operator_defaults import OperatorDefaults
from scurry.config.secretbox import SecretBox, load_key
from scurry.config.settings import Settings
from scurry.core.observation import ControlConfig
from scurry.core.validation import ValidationContext
from scurry.flinkrest import FlinkRestClient
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_SESSION_JOB
from scurry.ports import FlinkApi, FlinkApiFactory, ResourceStore, Runtime, SqlEngine
from scurry.telemetry import Metrics, Samples

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def rest_client(url: str) -> FlinkApi:
    return FlinkRestClient(url)


class DefaultsFile:
    """The operator defaults file, re-read when it changes (FKO's dynamic configuration).

    A file that does not parse is logged and reported in `error`; the last good
    defaults stay in force until it is fixed. No file means no defaults.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.defaults: OperatorDefaults | None = None
        self.error: str | None = None
        self._stamp: tuple[int, int] | None = None

    def current(self) -> OperatorDefaults | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self.defaults, self.error, self._stamp = None, None, None
            return None
        except OSError as exc:
            self._failed(str(exc))
            return self.defaults
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            self._read()
        return self.defaults

    def _read(self) -> None:
        try:
            self.defaults = OperatorDefaults.parse(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self._failed(str(exc))
            return
        self.error = None
        log.info("operator defaults read from %s", self.path)

    def _failed(self, message: str) -> None:
        if self.error != message:
            log.error("operator defaults %s: %s (keeping the last good ones)", self.path, message)
        self.error = message


def defaults_path(settings: Settings) -> Path:
    return settings.defaults_file or settings.home / "defaults.yaml"


@dataclass
class Container:
    settings: Settings
    store: ResourceStore
    runtime: Runtime
    flink_api: FlinkApiFactory
    base_control: ControlConfig
    now: Callable[[], datetime] = field(default=utc_now)
    metrics: Metrics = field(default_factory=lambda: Metrics(version=__version__))
    # Where CMF-derived FKO objects go, when not `store` (the Kubernetes API; see settings).
    fko_store: ResourceStore | None = None
    defaults_file: DefaultsFile = field(init=False)
    secret_box: SecretBox = field(init=False)
    # Flink SQL: the engine statements are planned and queried in (made on first use).
    sql: SqlEngine | None = None

    def __post_init__(self) -> None:
        self.defaults_file = DefaultsFile(defaults_path(self.settings))
        self.secret_box = secret_box(self.settings)
        self.metrics.resources.source = partial(resource_counts, self.store)
        register_runtime_metrics(self.runtime, self.metrics)

    @property
    def control(self) -> ControlConfig:
        """`base_control` with the operator defaults file as it is now."""
        defaults = self.defaults_file.current()
        if defaults is None:
            return self.base_control
        return replace(self.base_control, operator_defaults=defaults)

    @property
    def fko(self) -> ResourceStore:
        """The store of the FKO objects the management plane derives."""
        return self.fko_store or self.store

    def sql_engine(self) -> SqlEngine:
        """The SQL engine; locally a PyFlink session process started on first use."""
        if self.sql is None:
            from scurry.runtimes.local.sqlsession import LocalSqlEngine

            self.sql = LocalSqlEngine(self.settings.home / "sql-session")
        return self.sql

    async def close(self) -> None:
        if self.fko_store is not None:
            await self.fko_store.close()
        await self.store.close()


def secret_box(settings: Settings) -> SecretBox:
    """The box that seals secrets at rest, keyed by SCURRY_SECRET_KEY or the home's key file."""
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return SecretBox(load_key(configured, settings.home))


def register_runtime_metrics(runtime: Runtime, metrics: Metrics) -> None:
    """The local runtime's process gauge (the Runtime port stays as it is)."""
    if runtime.name != "local":
        return
    from scurry.runtimes.local.metrics import ClusterProcessCollector
    from scurry.runtimes.local.runtime import LocalRuntime

    if isinstance(runtime, LocalRuntime):
        metrics.registry.register(ClusterProcessCollector(runtime))


async def resource_counts(store: ResourceStore) -> Samples:
    """FlinkDeployments and FlinkSessionJobs by (kind, namespace, lifecycle state)."""
    counts: Counter[tuple[str, ...]] = Counter()
    for kind in (FLINK_DEPLOYMENT.kind, FLINK_SESSION_JOB.kind):
        for obj in await store.list(kind):
            state = (obj.get("status") or {}).get("lifecycleState") or "CREATED"
            counts[(kind, obj["metadata"]["namespace"], str(state))] += 1
    return dict(counts)


def control_config(settings: Settings) -> ControlConfig:
    local = settings.runtime == "local"
    return ControlConfig(
        defaults=profile_defaults(settings.runtime),
        validation=ValidationContext(local=local),
    )


def kubernetes_api_client(settings: Settings) -> ApiClient:
    """A client for the cluster this process runs in, else kubeconfig's (KUBECONFIG)."""
    from kubernetes import client, config

    configuration = client.Configuration()
    if settings.in_kubernetes_pod:
        config.load_incluster_config(client_configuration=configuration)
    else:
        config.load_kube_config(
            # read now: the client's default is KUBECONFIG as it was when it was imported
            config_file=os.environ.get("KUBECONFIG"),
            context=settings.kubernetes_context,
            client_configuration=configuration,
        )
    return client.ApiClient(configuration)


def build_kubernetes_runtime(
    settings: Settings, flink_api: FlinkApiFactory, client: ApiClient | None = None
) -> Runtime:
    from scurry.runtimes.fetch import s3_options
    from scurry.runtimes.kubernetes.kubeapi import KubeApi
    from scurry.runtimes.kubernetes.pods import RenderOptions
    from scurry.runtimes.kubernetes.portforward import PortForwarder, kubernetes_connector
    from scurry.runtimes.kubernetes.runtime import KubernetesOptions, KubernetesRuntime

    client = client or kubernetes_api_client(settings)
    options = KubernetesOptions(
        render=RenderOptions(fetch_image=settings.kubernetes_fetch_image),
        rest_url=settings.kubernetes_rest_url,
        port_forward=settings.kubernetes_uses_port_forward,
        artifacts_dir=settings.artifacts_dir,
        s3=s3_options(settings),
    )
    forwarder = PortForwarder(kubernetes_connector(client)) if options.port_forward else None
    return KubernetesRuntime(KubeApi(client), flink_api, options, forwarder=forwarder)


def build_runtime(settings: Settings, flink_api: FlinkApiFactory) -> Runtime:
    if settings.runtime == "kubernetes":
        return build_kubernetes_runtime(settings, flink_api)
    from scurry.runtimes.fetch import ArtifactFetcher, s3_options
    from scurry.runtimes.local.flinkdist import FlinkDist
    from scurry.runtimes.local.runtime import LocalRuntime

    return LocalRuntime(
        settings.home,
        FlinkDist.locate(settings.flink_home),
        flink_api,
        java=settings.java,
        port_range=settings.ports,
        usrlib=settings.usrlib_dir,
        fetcher=ArtifactFetcher(s3_options(settings)),
    )


async def build(
    settings: Settings | None = None,
    *,
    store: ResourceStore | None = None,
    runtime: Runtime | None = None,
    flink_api: FlinkApiFactory | None = None,
    fko_store: ResourceStore | None = None,
) -> Container:
    from scurry.store.sql import open_sql_store

    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    flink_api = flink_api or rest_client
    store = store or await open_sql_store(
        settings.effective_database_url, secrets=secret_box(settings)
    )
    runtime = runtime or build_runtime(settings, flink_api)
    if fko_store is None and settings.cmf_fko_store == "kubernetes":
        fko_store = await kubernetes_fko_store(settings)
    container = Container(settings, store, runtime, flink_api, control_config(settings))
    container.fko_store = fko_store
    return container


async def kubernetes_fko_store(settings: Settings) -> ResourceStore:
    """The Kubernetes API as the store of CMF-derived FlinkDeployments (custom resources)."""
    from scurry.store.kubernetes import open_kubernetes_store

    return await open_kubernetes_store(
        kubernetes_api_client(settings),
        namespaces=settings.watched_namespaces,
        lease_namespace=settings.operator_namespace,
    )
