"""The base of every resource model: camelCase on the wire, unknown fields ignored."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A model whose JSON form uses the camelCase names of the CRDs and OpenAPI specs.

    Unknown fields are dropped, as FKO's `@JsonIgnoreProperties(ignoreUnknown = true)`
    and a structural CRD schema both do.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        validate_assignment=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        """A null field means "not set", as the Kubernetes API server prunes nulls."""
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data

    def to_wire(self, *, full: bool = False) -> dict[str, Any]:
        """The JSON-ready dict. `full` includes defaults the user did not write."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude_unset=not full
        )

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        return cls.model_validate(data)
