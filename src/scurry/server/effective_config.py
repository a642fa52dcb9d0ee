"""The effective Flink configuration of a resource, and where each key comes from.

`GET /apis/flink.apache.org/v1beta1/namespaces/{ns}/{plural}/{name}/config` answers
`{"items": [{"key", "value", "source"}]}`. Sources, lowest precedence first:
`scurry` (built-in profile), `runtime`, `defaults` (the operator defaults file),
`namespace`, `flink-version`, then `session` (a session job's cluster), `resource`
(the resource's own `flinkConfiguration`) and `resources` (what its resources
imply: process memory, parallelism).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter

from scurry.config.flinkconf import FlatConfig, flatten, overlay
from scurry.config.operator_defaults import Layer
from scurry.core.clusterspec import effective_config
from scurry.core.observation import ControlConfig
from scurry.errors import InvalidInput, NotFound
from scurry.models.cluster import ClusterRef
from scurry.models.resources import (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FlinkDeployment,
    FlinkSessionJob,
)
from scurry.models.spec import FlinkDeploymentSpec
from scurry.ports import ResourceStore, Runtime
from scurry.server.deps import ContainerDep
from scurry.server.resources import PREFIX, KindDep

router = APIRouter(prefix=PREFIX, tags=["flink.apache.org"])


class Attributed:
    """A configuration built layer by layer, remembering which layer set each key."""

    def __init__(self, layers: Iterable[Layer] = ()) -> None:
        self.config: FlatConfig = {}
        self.sources: dict[str, str] = {}
        for source, layer in layers:
            self.add(source, layer)

    def add(self, source: str, layer: Mapping[str, str]) -> None:
        self.config = overlay(self.config, layer)
        self.sources.update(dict.fromkeys(layer, source))

    def add_deployment(self, spec: FlinkDeploymentSpec, source: str) -> None:
        """A FlinkDeployment's configuration, as core derives it (keys it implies: `resources`)."""
        derived = effective_config(self.config, spec)
        implied = implied_keys(self.config, spec)
        self.add(source, flatten(spec.flink_configuration))
        self.sources.update(dict.fromkeys(implied, "resources"))
        self.config = derived

    def items(self) -> list[dict[str, str]]:
        return [
            {"key": key, "value": value, "source": self.sources[key]}
            for key, value in sorted(self.config.items())
        ]


def implied_keys(defaults: Mapping[str, str], spec: FlinkDeploymentSpec) -> set[str]:
    """The keys `effective_config` sets from the spec's resources (memory, parallelism).

    Found by deriving over defaults whose every value is a marker no derived value
    equals, so a derived value equal to a default still counts as derived.
    """
    marked = dict.fromkeys(defaults, "\0")
    own = overlay(marked, flatten(spec.flink_configuration))
    return {key for key, value in effective_config(marked, spec).items() if own.get(key) != value}


def _version(spec: FlinkDeploymentSpec | None) -> str | None:
    return spec.flink_version.value if spec and spec.flink_version else None


def deployment_config(
    resource: FlinkDeployment, control: ControlConfig, runtime: Runtime
) -> Attributed:
    meta = resource.metadata
    ref = ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")
    result = Attributed(
        control.layers(ref.namespace, _version(resource.spec), runtime.defaults(ref))
    )
    result.add_deployment(resource.spec, "resource")
    return result


async def session_job_config(
    job: FlinkSessionJob, control: ControlConfig, runtime: Runtime, store: ResourceStore
) -> Attributed:
    """The session cluster's configuration (its defaults included) <- the job's own."""
    namespace, target = job.metadata.namespace or "default", job.spec.deployment_name or ""
    ref = ClusterRef(namespace=namespace, name=target)
    try:
        obj = await store.get(FLINK_DEPLOYMENT.kind, ref.namespace, ref.name)
        session: FlinkDeploymentSpec | None = FlinkDeployment.model_validate(obj).spec
    except NotFound:
        session = None
    result = Attributed(control.layers(ref.namespace, _version(session), runtime.defaults(ref)))
    if session is not None:
        result.add_deployment(session, "session")
    result.add("resource", flatten(job.spec.flink_configuration))
    return result


@router.get("/namespaces/{namespace}/{plural}/{name}/config")
async def effective_configuration(
    namespace: str, info: KindDep, name: str, container: ContainerDep
) -> dict[str, Any]:
    obj = await container.store.get(info.kind, namespace, name)
    control, runtime = container.control, container.runtime
    if info is FLINK_DEPLOYMENT:
        result = deployment_config(FlinkDeployment.model_validate(obj), control, runtime)
    elif info is FLINK_SESSION_JOB:
        job = FlinkSessionJob.model_validate(obj)
        result = await session_job_config(job, control, runtime, container.store)
    else:
        raise InvalidInput(
            f"the configuration is served for {FLINK_DEPLOYMENT.plural} and "
            f"{FLINK_SESSION_JOB.plural} only"
        )
    return {"items": result.items()}
