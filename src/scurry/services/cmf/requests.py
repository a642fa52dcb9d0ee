"""Request bodies checked against the models, with errors that name the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scurry.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], body: Any) -> M:
    """`body` as `model`, or `InvalidInput` listing each bad field by its wire name."""
    if not isinstance(body, dict):
        raise InvalidInput(f"request body: must be an object, got {_type_name(body)}")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"] if not str(p).startswith("function-"))
        parts.append(f"{location or 'request body'}: {item['msg']}")
    return "; ".join(parts)


def check_kind(kind: str, expected: str) -> None:
    if kind != expected:
        raise InvalidInput(f"kind: must be {expected}, got {kind!r}")


def check_string_map(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(f"{field}: must be a map of strings to strings")
    return dict(value)


def check_same_name(url_name: str, body_name: str | None, field: str = "metadata.name") -> str:
    """The name in the URL; a body that names another resource is refused."""
    if body_name not in (None, "", url_name):
        raise InvalidInput(
            f"{field}: {body_name!r} does not match the name in the URL ({url_name!r})"
        )
    return url_name


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
