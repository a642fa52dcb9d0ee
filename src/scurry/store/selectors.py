"""Kubernetes label selectors: parsing and matching, with no I/O.

The grammar is the equality- and set-based one `kubectl -l` accepts, terms
joined by commas (all must hold)::

    app=web, tier!=db, env in (prod,stage), track notin (canary), release, !legacy

As in Kubernetes, `!=` and `notin` also match objects that lack the label.
Every backend filters with the same code, so `list` answers alike everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scurry.errors import InvalidInput

Operator = Literal["=", "!=", "in", "notin", "exists", "!exists"]

# A label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY = re.compile(rf"^({_PREFIX}/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")

_SET_TERM = re.compile(r"^(?P<key>[^\s!=(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_NOT_EXISTS_TERM = re.compile(r"^!\s*(?P<key>[^\s!=(),]+)$")
_EQUALITY_TERM = re.compile(r"^(?P<key>[^\s!=(),]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=(),]*)$")
_EXISTS_TERM = re.compile(r"^(?P<key>[^\s!=(),]+)$")


@dataclass(frozen=True)
class Requirement:
    """One term of a selector: a key, an operator and the values it compares with."""

    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        # "!=" and "notin" hold for objects without the label, as in Kubernetes.
        return not present or labels[self.key] not in self.values


@dataclass(frozen=True)
class Selector:
    """A parsed selector: every requirement must hold. The empty selector matches all."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        present = labels or {}
        return all(req.matches(present) for req in self.requirements)


def parse_selector(text: str | None) -> Selector:
    """Parse a label selector, raising `InvalidInput` that names it when it is malformed."""
    if text is None or not text.strip():
        return Selector()
    try:
        terms = _split_terms(text)
        return Selector(tuple(_parse_term(term) for term in terms))
    except ValueError as exc:
        raise InvalidInput(f"invalid label selector {text!r}: {exc}") from None


def matches(selector: str | None, labels: Mapping[str, str] | None) -> bool:
    """Whether `labels` satisfy `selector` (a convenience over `parse_selector`)."""
    return parse_selector(selector).matches(labels)


def _split_terms(text: str) -> list[str]:
    """Split on the commas that are not inside a `( ... )` value set."""
    terms: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth > 1:
                raise ValueError("nested parentheses")
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced parentheses")
        elif char == "," and depth == 0:
            terms.append(text[start:index].strip())
            start = index + 1
    if depth != 0:
        raise ValueError("unbalanced parentheses")
    terms.append(text[start:].strip())
    if any(not term for term in terms):
        raise ValueError("empty requirement")
    return terms


def _parse_term(term: str) -> Requirement:
    if found := _SET_TERM.match(term):
        values = [value.strip() for value in found["values"].split(",")]
        if values == [""]:
            raise ValueError(f"{term!r}: a set needs at least one value")
        op: Operator = "in" if found["op"] == "in" else "notin"
        return _requirement(found["key"], op, values)
    if found := _NOT_EXISTS_TERM.match(term):
        return _requirement(found["key"], "!exists", [])
    if found := _EQUALITY_TERM.match(term):
        return _requirement(found["key"], "!=" if found["op"] == "!=" else "=", [found["value"]])
    if found := _EXISTS_TERM.match(term):
        return _requirement(found["key"], "exists", [])
    raise ValueError(f"{term!r}: expected key, !key, key=value, key!=value, key in (...)")


def _requirement(key: str, op: Operator, values: list[str]) -> Requirement:
    if not _KEY.match(key) or len(key) > 317:
        raise ValueError(f"{key!r}: not a valid label key")
    for value in values:
        if not _VALUE.match(value):
            raise ValueError(f"{value!r}: not a valid label value")
    return Requirement(key, op, frozenset(values))
