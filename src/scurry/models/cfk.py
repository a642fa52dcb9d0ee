"""CFK manifests (`platform.confluent.io/v1beta1`): which kinds, what each becomes in the CMF
API, what is ignored. Shared by `scurry apply` (over HTTP) and the operator (watched CRs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scurry.errors import InvalidInput
from scurry.models.manifest import check_name

Obj = dict[str, Any]
GROUP = "platform.confluent.io"
API_VERSION = f"{GROUP}/v1beta1"
CMF_API_VERSION = "cmf.confluent.io/v1"
# Environment fields CMF has; the rest of a FlinkEnvironment's spec is CFK's own.
ENVIRONMENT_FIELDS = (
    "kubernetesNamespace",
    "kubernetesClusterName",
    "flinkApplicationDefaults",
    "computePoolDefaults",
    "statementDefaults",
)
# What tells CFK where CMF is: scurry serves the CMF API itself.
CFK_ONLY = ("cmfRestClassRef",)


@dataclass(frozen=True)
class CfkKind:
    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.kind.lower(), self.plural, self.singular, *self.short_names)

    def display(self, name: str) -> str:
        """`flinkenvironment.platform.confluent.io/NAME`, as kubectl prints it."""
        return f"{self.singular}.{GROUP}/{name}"


FLINK_ENVIRONMENT = CfkKind(
    "FlinkEnvironment", "flinkenvironments", "flinkenvironment", ("flinkenv",)
)
FLINK_APPLICATION = CfkKind(
    "FlinkApplication", "flinkapplications", "flinkapplication", ("flinkapp",)
)
REST_CLASS = CfkKind("CMFRestClass", "cmfrestclasses", "cmfrestclass")
KINDS = (FLINK_ENVIRONMENT, FLINK_APPLICATION)
ACCEPTED = (*KINDS, REST_CLASS)


def kind_named(name: str) -> CfkKind | None:
    """A CFK kind by any of its kubectl names, or None when the name is not one of them."""
    wanted = name.strip().lower()
    return next((kind for kind in KINDS if wanted in kind.names), None)


def is_cfk(document: Any) -> bool:
    api_version = document.get("apiVersion") if isinstance(document, dict) else None
    return isinstance(api_version, str) and api_version.split("/")[0] == GROUP


@dataclass(frozen=True)
class Mapped:
    """One CFK document as a CMF request, with what it says that has no meaning here."""

    kind: CfkKind
    name: str
    body: Obj
    environment: str | None = None  # an application's environment
    ignored: tuple[str, ...] = field(default=())

    @property
    def display(self) -> str:
        return self.kind.display(self.name)


def map_document(document: Obj, where: str) -> Mapped:
    """The CMF request a CFK document stands for; bad documents are refused, naming the field."""
    try:
        return _map(document)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _map(document: Obj) -> Mapped:
    kind = document.get("kind")
    found = next((k for k in ACCEPTED if k.kind == kind), None)
    if found is None:
        known = ", ".join(k.kind for k in ACCEPTED)
        raise InvalidInput(f"kind: {kind!r} of {GROUP} is not supported (supported: {known})")
    if document.get("apiVersion") != API_VERSION:
        raise InvalidInput(
            f"{kind}: apiVersion: must be {API_VERSION}, got {document.get('apiVersion')}"
        )
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        raise InvalidInput(f"{kind}: metadata: required field is missing")
    name = check_name(metadata.get("name"))
    if found is REST_CLASS:
        return Mapped(REST_CLASS, name, {}, ignored=("the whole resource",))
    spec = document.get("spec")
    if not isinstance(spec, dict):
        raise InvalidInput(f"{kind}/{name}: spec: required field is missing")
    if found is FLINK_ENVIRONMENT:
        return _environment(name, metadata, spec)
    return _application(name, metadata, spec)


def _environment(name: str, metadata: Obj, spec: Obj) -> Mapped:
    namespace = spec.get("kubernetesNamespace")
    if not isinstance(namespace, str) or not namespace:
        raise InvalidInput(
            f"FlinkEnvironment/{name}: spec.kubernetesNamespace: required field is missing"
        )
    body: Obj = {"name": name}
    body.update({key: spec[key] for key in ENVIRONMENT_FIELDS if spec.get(key) is not None})
    labelled = _labels(metadata)
    if labelled:
        body["metadata"] = labelled
    ignored = [f"spec.{key}" for key in spec if key not in ENVIRONMENT_FIELDS]
    return Mapped(FLINK_ENVIRONMENT, name, body, ignored=_with_namespace(metadata, ignored))


def _application(name: str, metadata: Obj, spec: Obj) -> Mapped:
    environment = spec.get("flinkEnvironment")
    if not isinstance(environment, str) or not environment:
        raise InvalidInput(
            f"FlinkApplication/{name}: spec.flinkEnvironment: required field is missing"
        )
    app_spec = {k: v for k, v in spec.items() if k != "flinkEnvironment" and k not in CFK_ONLY}
    body = {
        "apiVersion": CMF_API_VERSION,
        "kind": "FlinkApplication",
        "metadata": {"name": name, **_labels(metadata)},
        "spec": app_spec,
    }
    ignored = [f"spec.{key}" for key in CFK_ONLY if key in spec]
    return Mapped(
        FLINK_APPLICATION, name, body, environment, ignored=_with_namespace(metadata, ignored)
    )


def _labels(metadata: Obj) -> Obj:
    return {k: metadata[k] for k in ("labels", "annotations") if metadata.get(k)}


def _with_namespace(metadata: Obj, ignored: list[str]) -> tuple[str, ...]:
    """CMF environments and applications are not in a Kubernetes namespace of their own."""
    return (*(["metadata.namespace"] if metadata.get("namespace") else []), *ignored)


def split_cfk(documents: Sequence[tuple[str, Any]]) -> tuple[list[Mapped], list[tuple[str, Any]]]:
    """CFK documents (mapped to CMF requests) apart from the rest (left as they are)."""
    mapped = [map_document(doc, where) for where, doc in documents if is_cfk(doc)]
    return mapped, [(where, doc) for where, doc in documents if not is_cfk(doc)]
