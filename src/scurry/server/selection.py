"""Which objects a list or a watch answers with: namespace, label selector, field selector.

Field selectors on custom resources offer what Kubernetes offers for them:
`metadata.name` and `metadata.namespace`, compared with `=`, `==` or `!=`,
terms joined by commas (all must hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scurry.errors import InvalidInput
from scurry.store.selectors import Selector, parse_selector

FIELDS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class FieldTerm:
    """`metadata.name=x` (equal) or `metadata.name!=x` (not equal)."""

    path: str
    value: str
    equal: bool = True

    def matches(self, obj: dict[str, Any]) -> bool:
        actual = obj.get("metadata", {}).get(self.path.removeprefix("metadata."))
        return (actual == self.value) is self.equal


@dataclass(frozen=True)
class Selection:
    """The request's filters; `label_selector` is kept as text for the store's `list`."""

    namespace: str | None = None
    label_selector: str | None = None
    labels: Selector = field(default_factory=Selector)
    fields: tuple[FieldTerm, ...] = ()

    def matches(self, obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        return self.labels.matches(meta.get("labels")) and all(
            term.matches(obj) for term in self.fields
        )


def selection(
    namespace: str | None, label_selector: str | None, field_selector: str | None
) -> Selection:
    """Parse the request's selectors; a malformed one is an `InvalidInput` naming it."""
    return Selection(
        namespace,
        label_selector,
        parse_selector(label_selector),
        parse_field_selector(field_selector),
    )


def parse_field_selector(text: str | None) -> tuple[FieldTerm, ...]:
    terms = [part.strip() for part in (text or "").split(",") if part.strip()]
    return tuple(_term(part) for part in terms)


def _term(part: str) -> FieldTerm:
    key, equal, value = _split(part)
    if key not in FIELDS:
        raise InvalidInput(
            f"fieldSelector: field label not supported: {key!r} (supported: {', '.join(FIELDS)})"
        )
    return FieldTerm(key, value, equal)


def _split(part: str) -> tuple[str, bool, str]:
    for operator, equal in (("!=", False), ("==", True), ("=", True)):
        key, found, value = part.partition(operator)
        if found:
            return key.strip(), equal, value.strip()
    raise InvalidInput(f"fieldSelector: invalid term {part!r} (expected field=value)")
