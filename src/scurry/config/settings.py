"""Installation settings, read from `SCURRY_*` environment variables.

Everything an installation keeps (database, cluster directories, logs) lives
under `home`, so one variable moves or isolates a whole installation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scurry import __version__


def default_home() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(data) / "scurry"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCURRY_", extra="ignore")

    home: Path = Field(default_factory=default_home)
    host: str = "127.0.0.1"
    port: int = 8080
    server: str | None = Field(default=None, description="URL the CLI talks to")
    database_url: str | None = None
    runtime: Literal["local", "kubernetes"] = "local"
    # Fixed Flink ports (REST, RPC, blob) come from here; below Linux's ephemeral
    # range so that the random ports Flink picks for TaskManagers never collide.
    port_range: str = "20000-29999"
    usrlib: Path | None = None
    flink_home: Path | None = None
    java: str = "java"
    admission_validation: bool = True
    controller_workers: int = 8
    # Where the local runtime fetches s3:// job artifacts from (MinIO, SeaweedFS, AWS);
    # unset values fall back to boto3's own environment and credential chain.
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    # Operator-wide Flink defaults, FKO style (default: $SCURRY_HOME/defaults.yaml).
    defaults_file: Path | None = None
    # Key that seals secrets at rest (32 bytes, base64); default: $SCURRY_HOME/secret.key.
    secret_key: SecretStr | None = None
    # Kubernetes runtime. The JobManager REST URL: a template with {name}, {namespace} and
    # {port} (default: the REST Service, from inside the cluster); a port-forward through
    # the API server when the operator runs outside ("auto": when not in a pod).
    kubernetes_rest_url: str | None = None
    kubernetes_port_forward: Literal["auto", "true", "false"] = "auto"
    kubernetes_context: str | None = None  # a kubeconfig context other than the current one
    # The image whose `scurry fetch` init container downloads remote application jars.
    kubernetes_fetch_image: str = Field(default_factory=lambda: f"scurry:{__version__}")
    # CMF management plane (/cmf/api/v1): the largest request body it reads, in bytes.
    cmf_max_body_bytes: int = Field(default=1_048_576, ge=1024)

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def server_url(self) -> str:
        return (self.server or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'scurry.db'}"

    @property
    def usrlib_dir(self) -> Path:
        return self.usrlib or self.home / "usrlib"

    @property
    def artifacts_dir(self) -> Path:
        """Where the operator keeps the jars it fetched for session jobs."""
        return self.home / "artifacts"

    @property
    def in_kubernetes_pod(self) -> bool:
        return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))

    @property
    def kubernetes_uses_port_forward(self) -> bool:
        if self.kubernetes_port_forward == "auto":
            return self.kubernetes_rest_url is None and not self.in_kubernetes_pod
        return self.kubernetes_port_forward == "true"

    @property
    def ports(self) -> tuple[int, int]:
        low, _, high = self.port_range.partition("-")
        return int(low), int(high or low)
