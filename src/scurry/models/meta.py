"""Kubernetes object metadata, as every stored resource carries it."""

from __future__ import annotations

from typing import Any

from scurry.models.base import WireModel


class OwnerReference(WireModel):
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(WireModel):
    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    generation: int | None = None
    resource_version: str | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    finalizers: list[str] | None = None
    owner_references: list[OwnerReference] | None = None


class ObjectReference(WireModel):
    """What an event is about."""

    api_version: str | None = None
    kind: str
    name: str
    namespace: str | None = None
    uid: str | None = None


def meta_of(obj: dict[str, Any]) -> dict[str, Any]:
    """The metadata dict of a raw object, created if absent."""
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise TypeError("metadata must be a map")
    return meta
