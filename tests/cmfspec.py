"""The CMF OpenAPI spec, and where scurry's /cmf API answers beyond it, as data.

The one list of deviations (docs/compat.md gives each with its reason):
UNSERVED operations, status codes the spec does not list (DEVIATIONS,
WITH_BODY, MALFORMED_QUERY) and the refusals of schema-valid requests. The
tour test and the schemathesis run both read it.

`Checker.check(method, path, status, body)` finds the operation, asks whether
the spec lists the status (or a deviation allows it) and validates the body
against the response schema (RestError for every error). OpenAPI 3.0's
`nullable` is turned into JSON Schema's null type; everything else of the
spec's schemas is JSON Schema draft 4 already.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from referencekit import reference_path

SPEC = reference_path("cmf-openapi.yaml")


@dataclass(frozen=True)
class Unserved:
    """Operations scurry does not serve (yet), chosen by tag or by path fragment, and why."""

    reason: str
    tag: str | None = None
    path: str | None = None

    def covers(self, path: str, tags: Sequence[str]) -> bool:
        return (self.tag is not None and self.tag in tags) or (
            self.path is not None and self.path in path
        )


COMPUTE_POOLS = Unserved("compute pools: Flink SQL", path="/compute-pools")
STATEMENTS = Unserved("statements and their savepoints: Flink SQL", path="/statements")
LICENSE = Unserved("Control Center's license: scurry has no license to report", tag="C3")
# Operations scurry does not serve: the tour and the schemathesis run leave them out
# (docs/compat.md, "Operations not served"). Serving a group means deleting its line here.
UNSERVED = (LICENSE,)
# Flink SQL's compute pools and statements have their own tour (a SQL engine behind the
# server, test_cmf_sql_conformance.py); the tour of the other operations leaves them out.
TOURED_APART = (COMPUTE_POOLS, STATEMENTS)


@dataclass(frozen=True)
class Deviation:
    """Status codes an operation answers that the spec does not list, and why."""

    statuses: frozenset[int]
    reason: str


def _deviation(reason: str, *statuses: int) -> Deviation:
    return Deviation(frozenset(statuses), reason)


# Answers the spec does not list, by reason (docs/compat.md, "Status codes").
WITH_BODY = _deviation(
    "an unreadable body or a broken field rule (400), a concurrent write (409), "
    "a body over the size limit (413), a media type other than JSON or YAML (415)",
    *(400, 409, 413, 415),
)
MALFORMED_QUERY = _deviation(
    "a query parameter of the wrong type, a sort property that does not exist, a filter "
    "that does not parse, search without searchScope or the other way round",
    400,
)
DEVIATIONS: dict[str, Deviation] = {
    "deleteEnvironment": _deviation("the environment still has applications", 409),
    "deleteApplication": _deviation("the environment or the application does not exist", 404),
    "suspendApplication": _deviation(
        "unknown environment or application (404), concurrent write (409), invalid spec (422)",
        *(404, 409, 422),
    ),
    "startApplication": _deviation(
        "the savepoint is not completed (409), the spec is invalid (422)", 409, 422
    ),
    "deleteSecret": _deviation("an environment secret mapping still names the secret", 409),
    "createSavepointForFlinkApplication": _deviation("the name is taken", 409),
    "detachSavepointFromFlinkApplication": _deviation(
        "the savepoint is not completed, or the detached savepoint's name is taken", 409
    ),
    "createDetachedSavepoint": _deviation("the name is taken", 409),
    "createOrUpdateApplication": _deviation(
        "unknown environment (404), a FlinkDeployment of that name belongs to someone else (409)",
        *(404, 409),
    ),
    "getKafkaDatabases": _deviation("the catalog does not exist", 404),
    "createKafkaDatabase": _deviation("the catalog does not exist", 404),
    "createComputePool": _deviation("the environment does not exist", 404),
}
# Schema-valid requests can still break a rule the spec states in prose or leaves to the
# server (names, kind, fields the schemas leave optional, sort properties, the filter
# grammar, a FlinkApplication's spec): such requests get these answers, where the
# operation lists them (docs/compat.md, "Requests the schemas accept and scurry refuses").
REFUSED_WHEN_SCHEMA_VALID = frozenset({400, 422})
# Keywords of the spec's schemas that contradict the rest of it, dropped for the run
# (docs/compat.md, "Where the specification contradicts itself"): schema -> keyword, why.
CONTRADICTIONS: dict[str, tuple[str, str]] = {
    "SecretSpec": (
        "writeOnly",
        "Secret requires spec, and CMF's CLI shows it (every value masked as ****)",
    ),
    "EnvironmentSecretMappingSpec": (
        "writeOnly",
        "spec.secretName is what a mapping is; CMF's CLI shows it",
    ),
}


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    tags: tuple[str, ...]
    responses: dict[str, Any]
    has_body: bool
    has_query: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", self.path) + "$")

    @property
    def unserved(self) -> Unserved | None:
        return next((u for u in UNSERVED if u.covers(self.path, self.tags)), None)

    def listed(self) -> set[int]:
        return {int(code) for code in self.responses if code.isdigit()}

    def deviations(self) -> list[Deviation]:
        """What this operation answers beyond the spec (docs/compat.md)."""
        found = [DEVIATIONS[self.id]] if self.id in DEVIATIONS else []
        if self.has_body:
            found.append(WITH_BODY)
        if self.has_query:
            found.append(MALFORMED_QUERY)
        return found

    def allowed(self) -> set[int]:
        return self.listed().union(*(d.statuses for d in self.deviations()))

    def refusals_of_schema_valid(self) -> set[int]:
        """The answers a schema-valid request may get when it breaks a rule of the server."""
        if not (self.has_body or self.has_query):
            return set()
        return self.allowed() & REFUSED_WHEN_SCHEMA_VALID


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text())
    return spec


def operations_of(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the spec, served or not."""
    return [
        Operation(
            id=op["operationId"],
            method=method.upper(),
            path=path,
            tags=tuple(op.get("tags", ())),
            responses=op["responses"],
            has_body="requestBody" in op,
            has_query=any(p["in"] == "query" for p in op.get("parameters", [])),
        )
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def with_deviations(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with every deviation as a documented RestError answer, without the
    CONTRADICTIONS (a copy)."""
    patched = copy.deepcopy(spec)
    for schema, (keyword, _) in CONTRADICTIONS.items():
        del patched["components"]["schemas"][schema][keyword]
    error = {"$ref": "#/components/schemas/RestError"}
    content = {media: {"schema": error} for media in ("application/json", "application/yaml")}
    for op in operations_of(spec):
        responses = patched["paths"][op.path][op.method.lower()]["responses"]
        for deviation in op.deviations():
            for status in sorted(deviation.statuses - op.listed()):
                responses.setdefault(
                    str(status), {"description": f"scurry: {deviation.reason}", "content": content}
                )
    return patched


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {key: _nullable(value) for key, value in node.items()}
        if converted.pop("nullable", False) is True and "type" in converted:
            converted["type"] = [converted["type"], "null"]
        return converted
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    return node


class Checker:
    def __init__(self, spec_path: Path = SPEC) -> None:
        spec = load_spec(spec_path)
        self.components = _nullable(spec["components"])
        self.operations = [op for op in operations_of(spec) if op.unserved is None]
        self.seen: set[tuple[str, int]] = set()

    def operation(self, method: str, path: str) -> Operation:
        for op in self.operations:
            if op.method == method and op.pattern.match(path):
                return op
        raise AssertionError(f"{method} {path}: no operation of the spec")

    def check(
        self, method: str, path: str, status: int, body: bytes, media: str = "application/json"
    ) -> None:
        op = self.operation(method, path)
        self.seen.add((op.id, status))
        assert status in op.allowed(), f"{op.id}: status {status} is not in the spec: {body!r}"
        document = _parsed(body, media)
        if status >= 400:
            self._validate(document, {"$ref": "#/components/schemas/RestError"}, op, status)
            assert document["errors"], f"{op.id}: empty errors"
            return
        content = (op.responses.get(str(status)) or {}).get("content")
        if not content:
            assert not body, f"{op.id}: {status} must have no body"
            return
        self._validate(document, content["application/json"]["schema"], op, status)

    def unexercised(self) -> list[str]:
        """Operations no check has seen succeed."""
        done = {op_id for op_id, status in self.seen if status < 300}
        return sorted({op.id for op in self.operations} - done)

    def _validate(self, document: Any, schema: dict[str, Any], op: Operation, status: int) -> None:
        root = {**schema, "components": self.components}
        errors = sorted(
            jsonschema.Draft4Validator(root).iter_errors(document), key=lambda e: list(e.path)
        )
        assert not errors, f"{op.id} {status}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )


def _parsed(body: bytes, media: str) -> Any:
    if not body:
        return None
    if "yaml" in media:
        return yaml.safe_load(body)
    return json.loads(body)
