"""The main container's environment: FKO's template merge and the kubelet's env rules."""

from __future__ import annotations

from typing import Any

import pytest

from scurry.core.podenv import (
    MissingReference,
    Ref,
    beyond_environment,
    expand,
    main_container,
    merge_templates,
    references,
    resolve,
)

CM = Ref("ConfigMap", "flink-app-cm")
SECRET = Ref("Secret", "db")
SOURCES = {
    CM: {"KAFKA": "broker:9092", "LEVEL": "INFO", "bad=name": "x"},
    SECRET: {"password": "s3cr3t", "user": "admin"},
}


def container(env: list[Any] | None = None, env_from: list[Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"name": "flink-main-container"}
    if env is not None:
        found["env"] = env
    if env_from is not None:
        found["envFrom"] = env_from
    return found


def template(*containers: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"containers": list(containers)}}


def cm_key(name: str, key: str, optional: bool | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "key": key}
    if optional is not None:
        ref["optional"] = optional
    return {"configMapKeyRef": ref}


# -- resolution ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "env_from", "expected"),
    [
        (
            [],
            [{"configMapRef": {"name": "flink-app-cm"}}],
            {"KAFKA": "broker:9092", "LEVEL": "INFO"},
        ),
        (
            [],
            [{"configMapRef": {"name": "flink-app-cm"}, "prefix": "APP_"}],
            {"APP_KAFKA": "broker:9092", "APP_LEVEL": "INFO"},
        ),
        (
            [{"name": "LEVEL", "value": "DEBUG"}],
            [{"configMapRef": {"name": "flink-app-cm"}}],
            {"KAFKA": "broker:9092", "LEVEL": "DEBUG"},
        ),
        (
            [],
            [
                {"configMapRef": {"name": "flink-app-cm"}},
                {"secretRef": {"name": "db"}, "prefix": "LEVEL"},
            ],
            {
                "KAFKA": "broker:9092",
                "LEVEL": "INFO",
                "LEVELpassword": "s3cr3t",
                "LEVELuser": "admin",
            },
        ),
        (
            [
                {
                    "name": "PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                }
            ],
            None,
            {"PASSWORD": "s3cr3t"},
        ),
        ([{"name": "A", "valueFrom": cm_key("flink-app-cm", "KAFKA")}], None, {"A": "broker:9092"}),
        ([{"name": "EMPTY"}], None, {"EMPTY": ""}),
        (
            [{"name": "URL", "value": "kafka://$(KAFKA)/$(NOPE)/$$(KAFKA)"}],
            [{"configMapRef": {"name": "flink-app-cm"}}],
            {
                "KAFKA": "broker:9092",
                "LEVEL": "INFO",
                "URL": "kafka://broker:9092/$(NOPE)/$(KAFKA)",
            },
        ),
        ([], [{"configMapRef": {"name": "absent", "optional": True}}], {}),
        ([{"name": "A", "valueFrom": cm_key("absent", "k", optional=True)}], None, {}),
        ([{"name": "A", "valueFrom": cm_key("flink-app-cm", "absent", optional=True)}], None, {}),
    ],
    ids=[
        "envFrom",
        "prefix",
        "env-over-envFrom",
        "later-source-wins",
        "secretKeyRef",
        "configMapKeyRef",
        "no-value",
        "expansion",
        "optional-source",
        "optional-object",
        "optional-key",
    ],
)
def test_resolution(env: list[Any], env_from: list[Any] | None, expected: dict[str, str]) -> None:
    assert resolve(container(env, env_from), SOURCES, "default").env == expected


@pytest.mark.parametrize(
    ("env", "env_from", "message"),
    [
        ([], [{"configMapRef": {"name": "absent"}}], 'configmap "absent" not found'),
        ([], [{"secretRef": {"name": "gone", "optional": False}}], 'secret "gone" not found'),
        ([{"name": "A", "valueFrom": cm_key("absent", "k")}], None, 'configmap "absent" not found'),
        (
            [{"name": "A", "valueFrom": cm_key("flink-app-cm", "nope")}],
            None,
            "couldn't find key nope in ConfigMap team-a/flink-app-cm",
        ),
        (
            [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "token"}}}],
            None,
            "couldn't find key token in Secret team-a/db",
        ),
    ],
)
def test_a_missing_required_reference_is_named(
    env: list[Any], env_from: list[Any] | None, message: str
) -> None:
    with pytest.raises(MissingReference) as missing:
        resolve(container(env, env_from), SOURCES, "team-a")
    assert missing.value.message == message


def test_what_a_process_cannot_have_is_left_out_and_said() -> None:
    pod_field = {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}

    resolved = resolve(
        container(
            [pod_field, {"name": "A=B", "value": "x"}], [{"configMapRef": {"name": "flink-app-cm"}}]
        ),
        SOURCES,
        "default",
    )

    assert resolved.env == {"KAFKA": "broker:9092", "LEVEL": "INFO"}
    assert resolved.skipped == (
        "keys ['bad=name'] from the envFrom configmap flink-app-cm were skipped since they are "
        "not valid environment variable names",
        "env 'POD' was skipped: a local process has no pod fields",
        "env 'A=B' was skipped: not a valid environment variable name",
    )


def test_no_container_no_environment() -> None:
    assert resolve(None, SOURCES, "default").env == {}


def test_expansion_keeps_what_it_cannot_expand() -> None:
    assert expand("$(A", {"A": "1"}) == "$(A"
    assert expand("$A $", {"A": "1"}) == "$A $"
    assert expand("$(A)$(A)", {"A": "1"}) == "11"


def test_references_name_every_object() -> None:
    found = references(
        container(
            [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}],
            [{"configMapRef": {"name": "flink-app-cm"}}, {"secretRef": {"name": "other"}}],
        )
    )
    assert found == {CM, SECRET, Ref("Secret", "other")}


# -- templates ----------------------------------------------------------------------------


def test_component_template_merges_into_the_top_one_by_position() -> None:
    top = template(container([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]))
    own = template(container([{"name": "C", "value": "3"}]))

    merged = main_container(merge_templates(top, own, by_name=False))

    assert merged is not None
    assert merged["env"] == [{"name": "C", "value": "3"}, {"name": "B", "value": "2"}]


def test_merge_arrays_by_name() -> None:
    top = template(
        {"name": "sidecar", "image": "x"},
        container([{"name": "A", "value": "1"}], [{"configMapRef": {"name": "flink-app-cm"}}]),
    )
    own = template(container([{"name": "B", "value": "2"}, {"name": "A", "value": "9"}]))

    merged = main_container(merge_templates(top, own, by_name=True))

    assert merged is not None
    assert merged["env"] == [{"name": "A", "value": "9"}, {"name": "B", "value": "2"}]
    assert merged["envFrom"] == [{"configMapRef": {"name": "flink-app-cm"}}]
    assert merge_templates(None, None, by_name=True) is None


@pytest.mark.parametrize(
    ("given", "beyond"),
    [
        (None, False),
        (template(container([{"name": "A", "value": "1"}])), False),
        (template(container(None, [{"configMapRef": {"name": "x"}}])), False),
        (template({**container(), "image": "flink:2"}), True),
        (template(container(), {"name": "sidecar"}), True),
        ({"metadata": {"labels": {"a": "b"}}, **template(container())}, True),
        ({"spec": {"nodeSelector": {"a": "b"}}}, True),
    ],
)
def test_what_a_template_says_beyond_the_environment(given: Any, beyond: bool) -> None:
    assert beyond_environment(given) is beyond
