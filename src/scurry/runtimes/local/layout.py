"""A local cluster's directory, and the record the runtime keeps in it.

`$SCURRY_HOME/clusters/<namespace>/<name>/` holds `conf/` (config.yaml and log
configuration), `log/`, `artifacts/` (web.upload.dir and fetched jars),
`checkpoints/`, `savepoints/` and `state.json`. Deleting a cluster removes the
processes, conf, artifacts and state; checkpoints, savepoints and logs stay,
because they are the user's data.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pydantic import BaseModel, Field

from scurry.models.cluster import ClusterRef, ClusterSpec, JobManagerState, SubmissionState


class ProcessRecord(BaseModel):
    """One JVM we started; `create_time` tells it apart from a later process with its PID."""

    role: str  # "jobmanager" | "taskmanager"
    index: int
    pid: int
    create_time: float
    log: str
    started_at: float


class ClusterState(BaseModel):
    spec: ClusterSpec
    ports: dict[str, int]
    jobmanager: ProcessRecord | None = None
    taskmanagers: dict[int, ProcessRecord] = Field(default_factory=dict)
    jm_state: JobManagerState = JobManagerState.STARTING
    submission: SubmissionState = SubmissionState.NONE
    jar_id: str | None = None
    message: str | None = None
    stopping: bool = False
    tm_failures: dict[int, int] = Field(default_factory=dict)
    jm_start_attempts: int = 0
    flink_revision: str | None = None


class ClusterDir:
    def __init__(self, root: Path, ref: ClusterRef) -> None:
        self.ref = ref
        self.path = root / ref.namespace / ref.name

    @property
    def conf(self) -> Path:
        return self.path / "conf"

    @property
    def log(self) -> Path:
        return self.path / "log"

    @property
    def artifacts(self) -> Path:
        return self.path / "artifacts"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def savepoints(self) -> Path:
        return self.path / "savepoints"

    @property
    def state_file(self) -> Path:
        return self.path / "state.json"

    def log_file(self, role: str, index: int = 0) -> Path:
        name = "jobmanager" if role == "jobmanager" else f"taskmanager-{index}"
        return self.log / f"{name}.log"

    def create(self) -> None:
        for directory in (self.conf, self.log, self.artifacts, self.checkpoints, self.savepoints):
            directory.mkdir(parents=True, exist_ok=True)

    def read_state(self) -> ClusterState | None:
        try:
            text = self.state_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return ClusterState.model_validate_json(text)

    def write_state(self, state: ClusterState) -> None:
        """Atomic replace, so a crash never leaves half a record; readable by its owner only,
        as the processes' environment it records may hold Secrets' values."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(state.model_dump_json(indent=2))
        os.replace(tmp, self.state_file)

    def remove_runtime_files(self) -> None:
        self.state_file.unlink(missing_ok=True)
        for directory in (self.conf, self.artifacts):
            shutil.rmtree(directory, ignore_errors=True)


def all_cluster_dirs(root: Path) -> list[ClusterDir]:
    """Every cluster with a state record under `root`."""
    found = []
    for state_file in sorted(root.glob("*/*/state.json")):
        namespace, name = state_file.parent.parent.name, state_file.parent.name
        found.append(ClusterDir(root, ClusterRef(namespace=namespace, name=name)))
    return found


def dumps_config(config: dict[str, str]) -> str:
    """config.yaml with flat keys; JSON strings are valid YAML scalars."""
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in sorted(config.items()))
