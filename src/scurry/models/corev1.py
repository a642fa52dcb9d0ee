"""core/v1 ConfigMap and Secret: what pod templates' `env` and `envFrom` refer to.

Validated as the Kubernetes API server validates them: keys are made of
`[-._a-zA-Z0-9]`, `binaryData` and a Secret's `data` are base64, the whole
object holds at most 1 MiB, and a key is not in both `data` and
`binaryData`. A Secret's `stringData` is write-only: it is merged into
`data` (base64-encoded, winning over a key of the same name) and never
stored or returned. `type` defaults to `Opaque` and never changes; an
`immutable` object keeps its data and stays immutable.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from scurry.models.base import WireModel
from scurry.models.meta import ObjectMeta

MAX_BYTES = 1024 * 1024
DEFAULT_SECRET_TYPE = "Opaque"
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def invalid(message: str) -> PydanticCustomError:
    """A validation error whose message is exactly `message` (it names its field)."""
    return PydanticCustomError("invalid_config_data", message)


def check_keys(data: dict[str, str] | None) -> dict[str, str] | None:
    for key in data or {}:
        if len(key) > 253 or not _KEY.match(key):
            raise invalid(
                f"key {key!r}: a valid config key must consist of alphanumeric characters, "
                "'-', '_' or '.' (at most 253)"
            )
    return data


def decode(key: str, value: str) -> bytes:
    """A base64 value, or a validation error naming its key."""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise invalid(f"key {key!r}: must be base64-encoded") from None


def encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


class ConfigMap(WireModel):
    api_version: str = "v1"
    kind: Literal["ConfigMap"] = "ConfigMap"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    data: dict[str, str] | None = None
    binary_data: dict[str, str] | None = None
    immutable: bool | None = None

    @field_validator("data")
    @classmethod
    def _data_keys(cls, data: dict[str, str] | None) -> dict[str, str] | None:
        return check_keys(data)

    @field_validator("binary_data")
    @classmethod
    def _binary_keys(cls, data: dict[str, str] | None) -> dict[str, str] | None:
        for key, value in (data or {}).items():
            decode(key, value)
        return check_keys(data)

    @model_validator(mode="after")
    def _distinct_and_small(self) -> Self:
        both = sorted(set(self.data or {}) & set(self.binary_data or {}))
        if both:
            raise invalid(f"data[{both[0]!r}]: duplicate of a key in binaryData")
        size = sum(len(k) + len(v.encode()) for k, v in (self.data or {}).items())
        size += sum(len(k) + len(v) * 3 // 4 for k, v in (self.binary_data or {}).items())
        if size > MAX_BYTES:
            raise invalid(f"data: too long: must have at most {MAX_BYTES} bytes")
        return self


class Secret(WireModel):
    api_version: str = "v1"
    kind: Literal["Secret"] = "Secret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    data: dict[str, str] | None = None
    string_data: dict[str, str] | None = None
    type: str | None = None
    immutable: bool | None = None

    @field_validator("data")
    @classmethod
    def _base64(cls, data: dict[str, str] | None) -> dict[str, str] | None:
        for key, value in (data or {}).items():
            decode(key, value)
        return check_keys(data)

    @field_validator("string_data")
    @classmethod
    def _string_keys(cls, data: dict[str, str] | None) -> dict[str, str] | None:
        return check_keys(data)

    @model_validator(mode="after")
    def _merge_string_data(self) -> Self:
        """`stringData` into `data`, as the API server does on every write."""
        if self.string_data:
            self.data = {**(self.data or {}), **{k: encode(v) for k, v in self.string_data.items()}}
        self.string_data = None
        if not self.type:
            self.type = DEFAULT_SECRET_TYPE
        size = sum(len(k) + len(v) * 3 // 4 for k, v in (self.data or {}).items())
        if size > MAX_BYTES:
            raise invalid(f"data: too long: must have at most {MAX_BYTES} bytes")
        return self


def decoded(secret: dict[str, Any]) -> dict[str, bytes]:
    """A stored Secret's `data`, decoded."""
    return {key: base64.b64decode(value) for key, value in (secret.get("data") or {}).items()}


def update_error(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """Why `new` may not replace `old` (immutability, a Secret's type), or None.

    Only ConfigMaps and Secrets have such rules; any other kind gets None."""
    kind, name = old["kind"], old["metadata"]["name"]
    if kind not in ("ConfigMap", "Secret"):
        return None
    prefix = f'{kind} "{name}" is invalid'
    if kind == "Secret" and (old.get("type") or DEFAULT_SECRET_TYPE) != (
        new.get("type") or DEFAULT_SECRET_TYPE
    ):
        return f"{prefix}: type: Invalid value: {new.get('type')!r}: field is immutable"
    if not old.get("immutable"):
        return None
    if not new.get("immutable"):
        return f"{prefix}: immutable: Forbidden: field is immutable when `immutable` is set"
    for field in ("data", "binaryData"):
        if (old.get(field) or {}) != (new.get(field) or {}):
            return f"{prefix}: {field}: Forbidden: field is immutable when `immutable` is set"
    return None
