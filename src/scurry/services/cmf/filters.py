"""The `filter` query parameter: comma-separated terms, all of which must hold.

    name=foo*bar                      name, with * matching any characters
    labels.team = data                labels.team != data
    labels.env in (prod, qa)          labels.env notin (dev)
    labels.release                    !labels.legacy        (exists / does not exist)
    state=RUNNING                     state in (RUNNING, FAILED)   (a field the resource offers)

As in Kubernetes selectors, `!=` and `notin` hold for items without the label.
Fields other than name and labels (state, type) compare without regard to case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from scurry.errors import InvalidInput

Item = dict[str, Any]
Operator = Literal["=", "!=", "in", "notin", "exists", "!exists"]
Getter = Callable[[Item], Any]

_SET = re.compile(r"^(?P<field>[^\s!=(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_EQUALITY = re.compile(r"^(?P<field>[^\s!=(),]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^=(),]*?)\s*$")
_NOT_EXISTS = re.compile(r"^!\s*(?P<field>labels\.[^\s!=(),]+)$")
_EXISTS = re.compile(r"^(?P<field>labels\.[^\s!=(),]+)$")


@dataclass(frozen=True)
class Fields:
    """How a resource's rendered items answer the filter's fields."""

    name: Getter
    labels: Getter
    extra: Mapping[str, Getter] = field(default_factory=dict)  # e.g. {"state": ...}

    def supported(self) -> str:
        return ", ".join(["name", "labels.<key>", *self.extra])


@dataclass(frozen=True)
class Term:
    field: str
    operator: Operator
    values: tuple[str, ...] = ()

    def holds(self, item: Item, fields: Fields) -> bool:
        if self.field.startswith("labels."):
            labels = fields.labels(item) or {}
            return _compare(self, labels.get(self.field[len("labels.") :]), exact=True)
        if self.field == "name":
            return _compare(self, fields.name(item), exact=False)
        value = fields.extra[self.field](item)
        return _compare(self, None if value is None else str(value).upper(), exact=True)


@dataclass(frozen=True)
class Filter:
    terms: tuple[Term, ...] = ()

    def matches(self, item: Item, fields: Fields) -> bool:
        return all(term.holds(item, fields) for term in self.terms)


def parse_filter(text: str | None, fields: Fields) -> Filter:
    """Parse `text`; `InvalidInput` names the term and the rule it breaks."""
    if text is None or not text.strip():
        return Filter()
    return Filter(tuple(_term(part, fields) for part in _split(text)))


def _split(text: str) -> list[str]:
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
        if depth not in (0, 1):
            raise InvalidInput(f"filter: unbalanced or nested parentheses in {text!r}")
    if depth != 0:
        raise InvalidInput(f"filter: unbalanced parentheses in {text!r}")
    parts.append(text[start:].strip())
    if any(not part for part in parts):
        raise InvalidInput(f"filter: empty expression in {text!r}")
    return parts


def _term(text: str, fields: Fields) -> Term:
    if found := _SET.match(text):
        values = tuple(v.strip() for v in found["values"].split(","))
        if any(not v for v in values):
            raise InvalidInput(f"filter: {text!r}: a set needs values separated by commas")
        return _checked(found["field"], "in" if found["op"] == "in" else "notin", values, fields)
    if found := _NOT_EXISTS.match(text):
        return _checked(found["field"], "!exists", (), fields)
    if found := _EQUALITY.match(text):
        op: Operator = "!=" if found["op"] == "!=" else "="
        return _checked(found["field"], op, (found["value"],), fields)
    if found := _EXISTS.match(text):
        return _checked(found["field"], "exists", (), fields)
    raise InvalidInput(
        f"filter: {text!r} is not an expression: use field=value, field!=value, "
        "field in (a, b), field notin (a, b), labels.key or !labels.key"
    )


def _checked(name: str, op: Operator, values: tuple[str, ...], fields: Fields) -> Term:
    is_label = name.startswith("labels.") and len(name) > len("labels.")
    if not is_label and name != "name" and name not in fields.extra:
        raise InvalidInput(f"filter: unknown field {name!r} (supported: {fields.supported()})")
    if name in fields.extra:
        values = tuple(v.upper() for v in values)
    return Term(name, op, values)


def _compare(term: Term, value: Any, *, exact: bool) -> bool:
    if term.operator == "exists":
        return value is not None
    if term.operator == "!exists":
        return value is None
    found = value is not None and any(
        (value == wanted) if exact else _wildcard(wanted).fullmatch(str(value)) is not None
        for wanted in term.values
    )
    return found if term.operator in ("=", "in") else not found


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
