"""The CMF OpenAPI spec as a checker for the answers of scurry's /cmf API.

`Checker.check(method, path, status, body)` finds the operation, asks whether
the spec lists the status (or DEVIATIONS allows it, for the reason given in
docs/compat.md) and validates the body against the response schema (RestError
for every error). OpenAPI 3.0's `nullable` is turned into JSON Schema's null
type; everything else of the spec's schemas is JSON Schema draft 4 already.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from referencekit import reference_path

SPEC = reference_path("cmf-openapi.yaml")
NOT_OURS = ("/statements", "/compute-pools", "/c3/")

# Answers the spec does not list, by reason (docs/compat.md, "Status codes").
WITH_BODY = frozenset({400, 409, 413, 415})  # unreadable body, concurrent write, size, type
MALFORMED_QUERY = frozenset({400})  # a query parameter of the wrong type, a bad sort or filter
DEVIATIONS: dict[str, frozenset[int]] = {
    "deleteEnvironment": frozenset({409}),  # still has applications
    "deleteApplication": frozenset({404}),  # unknown environment or application
    "suspendApplication": frozenset({404, 409, 422}),  # unknown; concurrent write; invalid spec
    "startApplication": frozenset({409, 422}),  # savepoint not completed; invalid spec
    "deleteSecret": frozenset({409}),  # a mapping still names it
    "createSavepointForFlinkApplication": frozenset({409}),  # the name is taken
    "detachSavepointFromFlinkApplication": frozenset({409}),  # not completed; name taken
    "createDetachedSavepoint": frozenset({409}),  # the name is taken
    "createOrUpdateApplication": frozenset({404, 409}),  # unknown environment; foreign deployment
    "getKafkaDatabases": frozenset({404}),  # unknown catalog
    "createKafkaDatabase": frozenset({404}),  # unknown catalog
}


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]
    has_body: bool
    has_query: bool

    def allowed(self) -> set[int]:
        listed = {int(code) for code in self.responses if code.isdigit()}
        extra = set(DEVIATIONS.get(self.id, frozenset()))
        if self.has_body:
            extra |= WITH_BODY
        if self.has_query:
            extra |= MALFORMED_QUERY
        return listed | extra


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
        spec = yaml.safe_load(spec_path.read_text())
        self.components = _nullable(spec["components"])
        self.operations = [
            Operation(
                id=op["operationId"],
                method=method.upper(),
                pattern=re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"),
                responses=op["responses"],
                has_body="requestBody" in op,
                has_query=any(p["in"] == "query" for p in op.get("parameters", [])),
            )
            for path, ops in spec["paths"].items()
            if not any(part in path for part in NOT_OURS)
            for method, op in ops.items()
        ]
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
