"""Installation settings, read from `SCURRY_*` environment variables.

Everything an installation keeps (database, cluster directories, logs) lives
under `home`, so one variable moves or isolates a whole installation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scurry import __version__

# JWTs are verified with public keys from a JWKS: symmetric and unsigned algorithms never apply.
JWT_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


def default_home() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(data) / "scurry"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCURRY_", extra="ignore", populate_by_name=True)

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
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one JSON object per log line"
    )
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
    # `scurry operator`: the namespaces it watches (comma-separated; empty: the whole
    # cluster), the namespace of its Lease (its own), this replica's name in the Lease
    # (the pod's name; default the host name, which is the pod's name in a pod) and the
    # port of its /healthz, /readyz and /metrics.
    watch_namespaces: str = ""
    # Where the management plane writes the FlinkDeployments it derives from CMF
    # applications: the SQL store (this server's controller runs them) or the Kubernetes
    # API (as custom resources, which `scurry operator` runs).
    cmf_fko_store: Literal["sql", "kubernetes"] = "sql"
    operator_namespace: str = "default"
    pod_name: str | None = None
    operator_probe_port: int = Field(default=8085, ge=0, le=65535)
    # Auth and RBAC. Server: authentication is on when any of tokens file, JWKS or client CA
    # is set; who may do what comes from the bindings file; without auth the server binds
    # loopback only, unless `insecure`. TLS (cert + key) can be served with or without auth.
    auth_tokens_file: Path | None = None
    auth_jwks_file: Path | None = None
    auth_jwks_url: str | None = None
    auth_jwt_issuer: str | None = None
    auth_jwt_audience: str | None = None
    auth_jwt_algorithms: str = "RS256,ES256"
    auth_jwt_principal_claim: str = "sub"
    auth_jwt_groups_claim: str = "groups"
    auth_jwt_leeway: float = Field(default=30.0, ge=0, le=300)
    # The client certificate's subject attribute that names the principal (DN: all of it).
    auth_mtls_principal_field: Literal[
        "CN", "UID", "emailAddress", "O", "OU", "serialNumber", "DN"
    ] = "CN"
    auth_bindings_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    insecure: bool = False
    # Client side (the CLI): a bearer token and client certificates, also read from the
    # variables of Confluent's CLI for CMF.
    token: SecretStr | None = None
    client_cert_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("SCURRY_CLIENT_CERT_PATH", "CONFLUENT_CMF_CLIENT_CERT_PATH"),
    )
    client_key_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("SCURRY_CLIENT_KEY_PATH", "CONFLUENT_CMF_CLIENT_KEY_PATH"),
    )
    certificate_authority_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "SCURRY_CERTIFICATE_AUTHORITY_PATH", "CONFLUENT_CMF_CERTIFICATE_AUTHORITY_PATH"
        ),
    )
    # Extra Flink jars (the Kafka connector, registry formats); default $SCURRY_HOME/connectors.
    connectors_dir: Path | None = None

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("auth_jwt_algorithms", mode="after")
    @classmethod
    def _asymmetric_algorithms(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - JWT_ALGORITHMS)
        if not names or unknown:
            allowed = ", ".join(sorted(JWT_ALGORITHMS))
            raise ValueError(f"must list signature algorithms among {allowed} (not {unknown})")
        return ",".join(names)

    @property
    def jwt_algorithms(self) -> list[str]:
        return self.auth_jwt_algorithms.split(",")

    @property
    def auth_enabled(self) -> bool:
        """Whether the server authenticates requests (and enforces RBAC on them)."""
        jwks = self.auth_jwks_file or self.auth_jwks_url
        return bool(self.auth_tokens_file or jwks or self.tls_client_ca_file)

    @property
    def server_url(self) -> str:
        scheme = "https" if self.tls_cert_file else "http"
        return (self.server or f"{scheme}://{self.host}:{self.port}").rstrip("/")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'scurry.db'}"

    @property
    def usrlib_dir(self) -> Path:
        return self.usrlib or self.home / "usrlib"

    @property
    def connectors_path(self) -> Path:
        return self.connectors_dir or self.home / "connectors"

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
    def watched_namespaces(self) -> list[str] | None:
        """The namespaces `scurry operator` watches; None for the whole cluster."""
        names = [name.strip() for name in self.watch_namespaces.split(",") if name.strip()]
        return names or None

    @property
    def ports(self) -> tuple[int, int]:
        low, _, high = self.port_range.partition("-")
        return int(low), int(high or low)
