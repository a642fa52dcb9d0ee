"""The patch formats the API server takes, applied to plain JSON values.

- JSON merge patch (RFC 7386): maps merge recursively, `null` deletes a key,
  anything else replaces. Strategic merge patches are applied the same way
  (so lists are replaced, never merged by key: a known gap of the fake).
- JSON patch (RFC 6902): `add`, `remove`, `replace`, `move`, `copy`, `test`;
  a failed `test` or a bad path raises `PatchFailed` and nothing is changed.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchFailed(Exception):
    """A JSON patch that cannot be applied (the API server answers 422)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` with the merge patch applied; neither argument is modified."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: Any, operations: list[Any]) -> Any:
    """`target` with every operation applied in order, or `PatchFailed`."""
    result = copy.deepcopy(target)
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchFailed(f"operation {index}: needs 'op' and 'path'")
        result = _apply(result, operation)
    return result


def _apply(doc: Any, operation: dict[str, Any]) -> Any:
    op, path = operation["op"], _pointer(operation["path"])
    if op == "test":
        if _get(doc, path) != operation.get("value"):
            raise PatchFailed(f"test failed at {operation['path']}")
        return doc
    if op == "remove":
        return _remove(doc, path)
    if op == "add":
        return _add(doc, path, copy.deepcopy(operation.get("value")))
    if op == "replace":
        _get(doc, path)  # the target must exist
        return _add(_remove(doc, path), path, copy.deepcopy(operation.get("value")))
    if op in ("move", "copy"):
        source = _pointer(str(operation.get("from", "")))
        value = copy.deepcopy(_get(doc, source))
        if op == "move":
            doc = _remove(doc, source)
        return _add(doc, path, value)
    raise PatchFailed(f"unknown operation {op!r}")


def _pointer(text: str) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise PatchFailed(f"{text!r}: a JSON pointer starts with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/")]


def _get(doc: Any, path: list[str]) -> Any:
    node = doc
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchFailed(f"/{'/'.join(path)}: no such member")
    return node


def _add(doc: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        index = len(parent) if last == "-" else _index(last, len(parent) + 1)
        parent.insert(index, value)
    else:
        raise PatchFailed(f"/{'/'.join(path)}: parent is not a container")
    return doc


def _remove(doc: Any, path: list[str]) -> Any:
    if not path:
        return None
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list):
        del parent[_index(last, len(parent))]
    else:
        raise PatchFailed(f"/{'/'.join(path)}: no such member")
    return doc


def _index(text: str, limit: int) -> int:
    if not text.isdigit() or int(text) >= limit:
        raise PatchFailed(f"{text!r}: not an index of the array")
    return int(text)
