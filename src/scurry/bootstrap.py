"""The one place that wires settings, store, runtime and clients together.

Nothing is built at import time: entry points call `build()` and close what
it returns. Tests pass their own store, runtime or Flink client instead.
"""

from __future__ import annotations

import logging
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
    from scurry.runtimes.local.fetch import S3Options

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

    def sql_engine(self) -> SqlEngine:
        """The SQL engine; locally a PyFlink session process started on first use."""
        if self.sql is None:
            from scurry.runtimes.local.sqlsession import LocalSqlEngine

            self.sql = LocalSqlEngine(self.settings.home / "sql-session")
        return self.sql

    async def close(self) -> None:
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


def build_runtime(settings: Settings, flink_api: FlinkApiFactory) -> Runtime:
    if settings.runtime != "local":
        raise NotImplementedError("the kubernetes runtime is not part of this build yet")
    from scurry.runtimes.local.fetch import ArtifactFetcher
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


def s3_options(settings: Settings) -> S3Options:
    """Settings' S3 endpoint and keys; what is unset comes from boto3's own chain."""
    from scurry.runtimes.local.fetch import S3Options

    access, secret = settings.s3_access_key, settings.s3_secret_key
    return S3Options(
        endpoint=settings.s3_endpoint,
        region=settings.s3_region,
        access_key=access.get_secret_value() if access else None,
        secret_key=secret.get_secret_value() if secret else None,
    )


async def build(
    settings: Settings | None = None,
    *,
    store: ResourceStore | None = None,
    runtime: Runtime | None = None,
    flink_api: FlinkApiFactory | None = None,
) -> Container:
    from scurry.store.sql import open_sql_store

    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    flink_api = flink_api or rest_client
    store = store or await open_sql_store(
        settings.effective_database_url, secrets=secret_box(settings)
    )
    runtime = runtime or build_runtime(settings, flink_api)
    return Container(settings, store, runtime, flink_api, control_config(settings))
