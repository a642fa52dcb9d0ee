"""The pure pieces of the CMF services: filters, lists, the defaults merge, the deployment."""

from __future__ import annotations

from typing import Any

import pytest

from scurry.errors import InvalidInput
from scurry.server.cmf.media import check_depth, parse_body, wants_yaml
from scurry.services.cmf.defaults import merged, merged_metadata
from scurry.services.cmf.deployments import Restore, deployment_for, owned_by
from scurry.services.cmf.filters import Fields, parse_filter
from scurry.services.cmf.listing import ListQuery, page_of, path_getter, v2_rules
from scurry.services.cmf.names import check_name, check_namespace

FIELDS = Fields(
    path_getter("metadata.name"), path_getter("metadata.labels"), {"state": path_getter("state")}
)


def item(name: str, state: str | None = None, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}, "state": state}


@pytest.mark.parametrize(
    ("text", "matching"),
    [
        ("name=a*", ["abc", "axe"]),
        ("name=*e", ["axe"]),
        ("name!=abc", ["axe", "bob"]),
        ("name in (abc, bob)", ["abc", "bob"]),
        ("labels.env=prod", ["abc"]),
        ("labels.env != prod", ["axe", "bob"]),
        ("labels.env in (prod, qa)", ["abc", "axe"]),
        ("labels.env notin (prod)", ["axe", "bob"]),
        ("labels.env", ["abc", "axe"]),
        ("!labels.env", ["bob"]),
        ("state=running", ["abc"]),
        ("state notin (RUNNING)", ["axe", "bob"]),
        ("name=a*,labels.env=qa", ["axe"]),
        ("  ", ["abc", "axe", "bob"]),
    ],
)
def test_filter_terms(text: str, matching: list[str]) -> None:
    items = [item("abc", "RUNNING", env="prod"), item("axe", "FAILED", env="qa"), item("bob")]
    chosen = parse_filter(text, FIELDS)
    assert [i["metadata"]["name"] for i in items if chosen.matches(i, FIELDS)] == matching


@pytest.mark.parametrize(
    "text", ["color=red", "name in (a", "a,,b", "name ~ x", "labels.k in ()", "(("]
)
def test_bad_filters(text: str) -> None:
    with pytest.raises(InvalidInput, match="filter"):
        parse_filter(text, FIELDS)


def test_page_orders_mixed_values_and_counts_all_matches() -> None:
    items = [
        {"metadata": {"name": n, "n": v}} for n, v in [("b", 2), ("a", "x"), ("c", None), ("d", 1)]
    ]
    rules = v2_rules({"n": path_getter("metadata.n")})
    page = page_of(items, ListQuery.of(size=3, sort=["n,asc"]), rules)
    assert [i["metadata"]["name"] for i in page["items"]] == ["d", "b", "a"]  # numbers, text, none
    assert page["metadata"]["size"] == 4
    assert page["pageable"]["sort"] == {"sorted": True, "unsorted": False, "empty": False}
    assert ListQuery.of(page=-1, size=5000).size == 1000


def test_a_sort_without_a_property_is_ignored_as_spring_does() -> None:
    assert ListQuery.of(sort=["", " ,desc", "name,desc"]).sort == ("name,desc",)
    page = page_of([], ListQuery.of(sort=[""]), v2_rules())
    assert page["pageable"]["sort"] == {"sorted": False, "unsorted": True, "empty": True}


def test_defaults_win_key_by_key_and_nothing_is_shared() -> None:
    app = {"a": {"x": 1, "y": 2}, "b": [1], "c": 3}
    env = {"a": {"y": 20, "z": 30}, "b": [9]}
    result = merged(app, env)
    assert result == {"a": {"x": 1, "y": 20, "z": 30}, "b": [9], "c": 3}
    result["a"]["x"] = 99
    assert app["a"]["x"] == 1
    assert env["a"] == {"y": 20, "z": 30}
    meta = merged_metadata(
        {"labels": {"k": "app", "own": "1"}}, {"metadata": {"labels": {"k": "env"}}}, "labels"
    )
    assert meta == {"k": "env", "own": "1"}


def test_deployment_carries_over_what_the_controller_keeps_and_bumps_the_nonce() -> None:
    env = {"metadata": {"name": "prod"}, "spec": {"kubernetesNamespace": "ns"}}
    app = {
        "metadata": {"name": "app", "namespace": "prod", "uid": "u-1"},
        "spec": {"job": {"jarURI": "x", "startFromSavepoint": {"uid": "s"}}},
    }
    existing = {
        "metadata": {"name": "app", "resourceVersion": "7", "finalizers": ["f"]},
        "spec": {"job": {"savepointRedeployNonce": 3, "initialSavepointPath": "/old"}},
    }
    carried = deployment_for(app, env, None, existing)
    assert carried["metadata"]["finalizers"] == ["f"]
    assert carried["metadata"]["resourceVersion"] == "7"
    assert carried["spec"]["job"] == {
        "jarURI": "x",
        "savepointRedeployNonce": 3,
        "initialSavepointPath": "/old",
    }
    restored = deployment_for(app, env, Restore("/new", True, redeploy=True), existing)
    assert restored["spec"]["job"]["initialSavepointPath"] == "/new"
    assert restored["spec"]["job"]["savepointRedeployNonce"] == 4
    assert restored["spec"]["job"]["allowNonRestoredState"] is True
    assert owned_by(restored, app)
    assert not owned_by(restored, {"metadata": {"uid": "someone-else"}})


@pytest.mark.parametrize("name", ["abcd", "a-b.c-d", "x" * 253])
def test_good_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", [None, "", "abc", "x" * 254, "Abcd", "ab_cd", "-abc", "abc.", 12345]
)
def test_bad_names(name: object) -> None:
    with pytest.raises(InvalidInput, match=r"metadata\.name"):
        check_name(name)


def test_namespaces_are_dns_labels() -> None:
    assert check_namespace("flink-prod") == "flink-prod"
    for bad in ("a.b", "x" * 64, "UPPER"):
        with pytest.raises(InvalidInput, match="kubernetesNamespace"):
            check_namespace(bad)


@pytest.mark.parametrize(
    ("accept", "yaml"),
    [
        (None, False),
        ("application/yaml", True),
        ("application/json, application/yaml", False),
        ("application/yaml, application/json", True),
        ("application/json;q=0.5, application/yaml", True),
        ("text/html", False),
        ("*/*", False),
        ("application/x-yaml;q=0.9, */*;q=0.1", True),
    ],
)
def test_accept_negotiation(accept: str | None, yaml: bool) -> None:
    assert wants_yaml(accept) is yaml


def test_bodies_parse_by_content_type() -> None:
    assert parse_body(b'{"a": 1}', "application/json; charset=utf-8") == {"a": 1}
    assert parse_body(b"a: 1\n", "text/yaml") == {"a": 1}
    with pytest.raises(InvalidInput, match="UTF-8"):
        parse_body(b"\xff\xfe", "application/json")
    deep: Any = {}
    for _ in range(70):
        deep = {"a": deep}
    with pytest.raises(InvalidInput, match="nested deeper"):
        check_depth(deep)
