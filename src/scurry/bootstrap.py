"""The one place that wires settings, store, runtime and clients together.

Nothing is built at import time: entry points call `build()` and close what
it returns. Tests pass their own store, runtime or Flink client instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scurry.config.defaults import profile_defaults
from scurry.config.settings import Settings
from scurry.core.observation import ControlConfig
from scurry.core.validation import ValidationContext
from scurry.flinkrest import FlinkRestClient
from scurry.ports import FlinkApi, FlinkApiFactory, ResourceStore, Runtime


def utc_now() -> datetime:
    return datetime.now(UTC)


def rest_client(url: str) -> FlinkApi:
    return FlinkRestClient(url)


@dataclass
class Container:
    settings: Settings
    store: ResourceStore
    runtime: Runtime
    flink_api: FlinkApiFactory
    control: ControlConfig
    now: Callable[[], datetime] = field(default=utc_now)

    async def close(self) -> None:
        await self.store.close()


def control_config(settings: Settings) -> ControlConfig:
    local = settings.runtime == "local"
    return ControlConfig(
        defaults=profile_defaults(settings.runtime),
        validation=ValidationContext(local=local),
    )


def build_runtime(settings: Settings, flink_api: FlinkApiFactory) -> Runtime:
    if settings.runtime != "local":
        raise NotImplementedError("the kubernetes runtime is not part of this build yet")
    from scurry.runtimes.local.flinkdist import FlinkDist
    from scurry.runtimes.local.runtime import LocalRuntime

    return LocalRuntime(
        settings.home,
        FlinkDist.locate(settings.flink_home),
        flink_api,
        java=settings.java,
        port_range=settings.ports,
        usrlib=settings.usrlib_dir,
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
    store = store or await open_sql_store(settings.effective_database_url)
    runtime = runtime or build_runtime(settings, flink_api)
    return Container(settings, store, runtime, flink_api, control_config(settings))
