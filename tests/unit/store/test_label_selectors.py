"""Label selectors: Kubernetes' grammar and matching rules, as plain data."""

from __future__ import annotations

import pytest

from scurry.errors import InvalidInput
from scurry.store.selectors import Requirement, matches, parse_selector

LABELS = {"app": "web", "env": "prod", "example.com/team": "data"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", True),
        ("app==web", True),
        ("app = web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app!=web", False),
        ("missing!=x", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("! app", False),
        ("env in (prod,stage)", True),
        ("env in ( stage , dev )", False),
        ("env notin (stage)", True),
        ("env notin (prod)", False),
        ("missing notin (x)", True),
        ("missing in (x)", False),
        ("example.com/team=data", True),
        ("app=web,env in (prod),!missing", True),
        ("app=web,env=stage", False),
        ("empty=", False),
        ("", True),
        ("   ", True),
    ],
)
def test_matches(selector: str, expected: bool) -> None:
    assert matches(selector, LABELS) is expected


def test_empty_value_matches_empty_label() -> None:
    assert matches("flag=", {"flag": ""})
    assert not matches("flag=", {})


def test_no_labels_at_all() -> None:
    assert matches("!app", None)
    assert matches("app notin (x)", None)
    assert not matches("app", None)


def test_parse_gives_requirements() -> None:
    selector = parse_selector("a=1, b notin (x, y), !c")
    assert selector.requirements == (
        Requirement("a", "=", frozenset({"1"})),
        Requirement("b", "notin", frozenset({"x", "y"})),
        Requirement("c", "!exists"),
    )


@pytest.mark.parametrize(
    "selector",
    [
        "app=web,",
        ",app",
        "app in (a,b",
        "app in a,b)",
        "app in ()",
        "app in ((a))",
        "app=we b",
        "app=web=x",
        "-app=x",
        "app=-bad",
        "app >= 3",
        "a" * 64 + "=x",
        "app=" + "v" * 64,
        "Bad_Prefix.com/app=x",
        "app in (a) extra",
    ],
)
def test_invalid_selectors_name_themselves(selector: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_selector(selector)
    assert repr(selector) in caught.value.message
