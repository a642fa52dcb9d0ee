"""What the CMF services work with: the two stores, the runtime, the clock, the secret box.

CMF kinds always live in SQL (`cmf`); the FKO kinds the services derive live
in the runtime's store (`fko`). Locally the two are the same object; keeping
them apart here lets a Kubernetes runtime keep FlinkDeployments in the
Kubernetes API without the services changing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scurry import __version__
from scurry.bootstrap import Container
from scurry.config.secretbox import SecretBox
from scurry.core.observation import ControlConfig
from scurry.ports import ResourceStore, Runtime


@dataclass(frozen=True)
class CmfContext:
    cmf: ResourceStore
    fko: ResourceStore
    runtime: Runtime
    control: Callable[[], ControlConfig]
    now: Callable[[], datetime]
    box: SecretBox
    admission: bool = True
    version: str = "unknown"
    cluster_name: str = "local"
    # Flink SQL: where the Kafka connector and format jars are (None: no Kafka catalogs).
    connectors_dir: Path | None = None


def context_of(container: Container) -> CmfContext:
    """The services' context over an installation (FKO kinds in `container.fko`: the same
    store locally, the Kubernetes API when `SCURRY_CMF_FKO_STORE=kubernetes`)."""
    return CmfContext(
        cmf=container.store,
        fko=container.fko,
        runtime=container.runtime,
        control=lambda: container.control,
        now=container.now,
        box=container.secret_box,
        admission=container.settings.admission_validation,
        version=__version__,
        cluster_name=container.runtime.name,
        connectors_dir=container.settings.connectors_path,
    )
