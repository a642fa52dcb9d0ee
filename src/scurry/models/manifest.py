"""Reading manifests: YAML or JSON, one or many documents, checked field by field.

Every failure is an `InvalidInput` whose message names the document, the field
and the rule, so the CLI can print it as one line and the API can return it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from scurry.errors import InvalidInput, NotFound
from scurry.models.resources import KINDS, KindInfo

DEFAULT_NAMESPACE = "default"
# FKO's newer kind for blue/green upgrades: recognised, refused with the reason.
BLUE_GREEN_KIND = "FlinkBlueGreenDeployment"
BLUE_GREEN_NAMES = frozenset(
    {
        "flinkbluegreendeployment",
        "flinkbluegreendeployments",
        "flinkbluegreendeployments.flink.apache.org",
        "flinkbluegreendeployment.flink.apache.org",
    }
)
BLUE_GREEN_UNSUPPORTED = (
    "FlinkBlueGreenDeployment is not supported yet: deploy a FlinkDeployment instead "
    "(scurry upgrades it in place with the job's upgradeMode)"
)
# DNS-1123 subdomain: what Kubernetes requires of custom resource names.
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# DNS-1123 label: what Kubernetes requires of namespace names.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def kind_by_name(name: str) -> KindInfo:
    """Find a kind by any of kubectl's names for it (kind, plural, singular, short name)."""
    wanted = name.strip().lower()
    if wanted in BLUE_GREEN_NAMES:
        raise InvalidInput(BLUE_GREEN_UNSUPPORTED)
    for info in KINDS:
        if wanted in info.names:
            return info
    known = ", ".join(info.plural for info in KINDS)
    raise NotFound(f'the server doesn\'t have a resource type "{name}" (known: {known})')


def kind_of_document(doc: dict[str, Any]) -> KindInfo:
    """The kind a document declares, checked against its apiVersion."""
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        raise InvalidInput("kind: required field is missing")
    if not isinstance(api_version, str) or not api_version:
        raise InvalidInput(f"{kind}: apiVersion: required field is missing")
    if kind == BLUE_GREEN_KIND:
        raise InvalidInput(BLUE_GREEN_UNSUPPORTED)
    for info in KINDS:
        if info.kind == kind:
            if api_version != info.api_version:
                raise InvalidInput(
                    f"{kind}: apiVersion: must be {info.api_version}, got {api_version}"
                )
            return info
    known = ", ".join(info.kind for info in KINDS)
    raise InvalidInput(f"kind: unknown kind {kind!r} (known: {known})")


def check_name(value: Any, field: str = "metadata.name") -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field}: required field is missing")
    if len(value) > 253 or not _DNS_SUBDOMAIN.match(value):
        raise InvalidInput(
            f"{field}: invalid value {value!r}: a lowercase RFC 1123 subdomain must consist of "
            "lower case alphanumeric characters, '-' or '.', and must start and end with an "
            "alphanumeric character"
        )
    return value


def check_namespace(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.match(value):
        raise InvalidInput(
            f"metadata.namespace: invalid value {value!r}: a lowercase RFC 1123 label must "
            "consist of lower case alphanumeric characters or '-', start and end with an "
            "alphanumeric character, and be at most 63 characters"
        )
    return value


def describe_validation_error(prefix: str, error: ValidationError) -> str:
    """One line per failed field: `FlinkDeployment/x: spec.job.parallelism: ...`."""
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"] if not str(p).startswith("function-"))
        parts.append(f"{location}: {item['msg']}" if location else item["msg"])
    return f"{prefix}: " + "; ".join(parts)


def normalize(doc: Any) -> dict[str, Any]:
    """Check one document and return it in canonical form (defaults not filled in)."""
    if not isinstance(doc, dict):
        raise InvalidInput(f"document must be a map, got {type(doc).__name__}")
    info = kind_of_document(doc)
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        raise InvalidInput(f"{info.kind}: metadata: required field is missing")
    name = check_name(metadata.get("name"))
    namespace = check_namespace(metadata.get("namespace") or DEFAULT_NAMESPACE)
    try:
        model = info.parse(doc)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(f"{info.kind}/{name}", exc)) from None
    wire: dict[str, Any] = model.to_wire()
    wire["apiVersion"], wire["kind"] = info.api_version, info.kind
    wire.setdefault("metadata", {})["namespace"] = namespace
    if info.has_spec:
        wire.setdefault("spec", {})
    return wire


def parse_documents(text: str, source: str = "<input>") -> list[Any]:
    """Split text into documents: a JSON object or `List`, or YAML with `---` separators."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
        docs = data if isinstance(data, list) else [data]
    else:
        try:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise InvalidInput(f"{source}: invalid YAML{where}: {problem}") from None
    return list(_expand_lists(docs))


def _expand_lists(docs: Iterable[Any]) -> Iterable[Any]:
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "List" and "items" in doc:
            yield from doc.get("items") or []
        else:
            yield doc


def load_manifests(text: str, source: str = "<input>") -> list[dict[str, Any]]:
    """Every document of a manifest, normalized; fails as a whole on the first bad one."""
    docs = parse_documents(text, source)
    if not docs:
        raise InvalidInput(f"{source}: no objects found")
    return [normalize(doc) for doc in docs]
