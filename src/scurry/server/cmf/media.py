"""JSON and YAML in and out of the CMF API, as its spec offers both everywhere.

Request bodies are read as their Content-Type says (JSON or YAML; anything
else is a 415), up to the configured size (413 beyond it). Answers are YAML
when the client's Accept header prefers it, JSON otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from scurry.errors import InvalidInput

JSON = "application/json"
YAML = "application/yaml"
YAML_TYPES = frozenset({YAML, "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_DEPTH = 64


class PayloadTooLarge(InvalidInput):
    http_status = 413


class UnsupportedMediaType(InvalidInput):
    http_status = 415


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a few bytes of aliases can expand without bound."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise InvalidInput("request body: YAML aliases (*name) are not accepted")
        return super().compose_node(parent, index)


def media_type(header: str | None) -> str:
    return (header or "").partition(";")[0].strip().lower()


async def read_body(request: Request, limit: int, *, optional: bool = False) -> Any:
    """The request's document, parsed as its Content-Type says (None: `optional` and empty)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body: larger than the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body: larger than the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if optional and not raw.strip():
        return None
    return parse_body(raw, request.headers.get("content-type"))


def parse_body(raw: bytes, content_type: str | None) -> Any:
    if not raw.strip():
        raise InvalidInput("request body: required")
    media = media_type(content_type)
    is_json = media == JSON or media.endswith("+json")
    if not is_json and media not in YAML_TYPES:
        shown = media or "none"
        raise UnsupportedMediaType(f"Content-Type: {shown} is not supported: send {JSON} or {YAML}")
    try:
        text = raw.decode("utf-8")
        doc = json.loads(text) if is_json else _load_yaml(text)
    except UnicodeDecodeError:
        raise InvalidInput("request body: must be UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"request body: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise InvalidInput(f"request body: nested deeper than {MAX_DEPTH} levels") from None
    check_depth(doc)
    return doc


def _load_yaml(text: str) -> Any:
    try:
        docs = [doc for doc in yaml.load_all(text, Loader=_NoAliasLoader) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(f"request body: invalid YAML{where}: {problem}") from None
    if len(docs) != 1:
        raise InvalidInput(f"request body: must be exactly one YAML document, got {len(docs)}")
    return docs[0]


def check_depth(doc: Any) -> None:
    """Refuse documents nested beyond MAX_DEPTH (they would exhaust the stack later)."""
    level: list[Any] = [doc]
    for _ in range(MAX_DEPTH + 1):
        level = [
            child
            for node in level
            for child in (
                node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
            )
        ]
        if not level:
            return
    raise InvalidInput(f"request body: nested deeper than {MAX_DEPTH} levels")


def wants_yaml(accept: str | None) -> bool:
    """Whether the Accept header prefers YAML to JSON (ties go to JSON)."""
    best: tuple[float, bool] = (0.0, False)
    for entry in (accept or "").split(","):
        media, _, params = entry.partition(";")
        media = media.strip().lower()
        quality = _quality(params)
        is_yaml = media in YAML_TYPES
        if not is_yaml and media not in (JSON, "application/*", "*/*"):
            continue
        if quality > best[0]:  # the first of equally preferred types wins
            best = (quality, is_yaml)
    return best[1]


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def respond(request: Request, payload: Any, status: int = 200) -> Response:
    if wants_yaml(request.headers.get("accept")):
        text = yaml.safe_dump(payload, sort_keys=False, allow_unicode=True)
        return Response(text, status_code=status, media_type=YAML)
    return JSONResponse(payload, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)
