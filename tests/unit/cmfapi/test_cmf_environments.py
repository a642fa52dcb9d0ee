"""Environments through the HTTP API: create-or-update, rules, deletion, lists, media types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cmfkit import ALSO_ON_POSTGRES, V1, Cmf, application, serving

ENVS = f"{V1}/environments"


@ALSO_ON_POSTGRES
async def test_post_creates_then_updates_keeping_what_is_left_out(cmf: Cmf) -> None:
    defaults = {"spec": {"flinkConfiguration": {"taskmanager.numberOfTaskSlots": "8"}}}
    created = await cmf.environment("prod", "flink-prod", flinkApplicationDefaults=defaults)
    assert created["name"] == "prod"
    assert created["kubernetesNamespace"] == "flink-prod"
    assert created["flinkApplicationDefaults"] == defaults
    assert created["created_time"]
    assert created["updated_time"]

    statement = {"detached": {"flinkConfiguration": {"k": "v"}}}
    cmf.harness.clock.advance(5)
    updated = await cmf.ok("POST", ENVS, json={"name": "prod", "statementDefaults": statement})
    assert updated["kubernetesNamespace"] == "flink-prod"
    assert updated["flinkApplicationDefaults"] == defaults
    assert updated["statementDefaults"] == statement
    assert updated["updated_time"] > created["updated_time"]
    assert updated["created_time"] == created["created_time"]
    listed = await cmf.ok("GET", ENVS)
    assert [e["name"] for e in listed["items"]] == ["prod"]


async def test_metadata_name_and_labels_are_accepted(cmf: Cmf) -> None:
    body = {"metadata": {"name": "qa-env", "labels": {"team": "data"}}, "kubernetesNamespace": "qa"}
    created = await cmf.ok("POST", ENVS, json=body)
    assert created["name"] == "qa-env"
    assert created["metadata"]["labels"] == {"team": "data"}
    message = await cmf.error(
        "POST",
        ENVS,
        400,
        json={"name": "abcd", "metadata": {"name": "other"}, "kubernetesNamespace": "x"},
    )
    assert "metadata.name" in message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kubernetesNamespace": "ns"}, "name"),
        ({"name": "abc", "kubernetesNamespace": "ns"}, "name: size must be between 4"),
        ({"name": "Upper-Case", "kubernetesNamespace": "ns"}, "name"),
        ({"name": "x" * 254, "kubernetesNamespace": "ns"}, "name: size"),
        ({"name": "good-name"}, "kubernetesNamespace: required"),
        ({"name": "good-name", "kubernetesNamespace": "Not_Valid"}, "kubernetesNamespace"),
        ({"name": "good-name", "kubernetesNamespace": "a.b"}, "kubernetesNamespace"),
        ({"name": "good-name", "kubernetesNamespace": 7}, "kubernetesNamespace"),
        (
            {
                "name": "good-name",
                "kubernetesNamespace": "ns",
                "kubernetesClusterName": "nonexistent",
            },
            "kubernetesClusterName 'nonexistent' does not exist",
        ),
        (
            {
                "name": "good-name",
                "kubernetesNamespace": "ns",
                "flinkApplicationDefaults": {"spec": 3},
            },
            "flinkApplicationDefaults.spec",
        ),
        (
            {
                "name": "good-name",
                "kubernetesNamespace": "ns",
                "flinkApplicationDefaults": {"spec": {"job": {"parallelism": "many"}}},
            },
            "flinkApplicationDefaults.spec: job.parallelism",
        ),
        (
            {
                "name": "good-name",
                "kubernetesNamespace": "ns",
                "statementDefaults": {"detached": 1},
            },
            "statementDefaults.detached",
        ),
    ],
)
async def test_bad_environments_are_refused_naming_the_field(
    cmf: Cmf, body: dict[str, object], field: str
) -> None:
    message = await cmf.error("POST", ENVS, 400, json=body)
    assert field in message
    assert (await cmf.ok("GET", ENVS))["items"] == []


async def test_namespace_is_fixed_while_applications_exist(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.ok("POST", ENVS, json={"name": "prod", "kubernetesNamespace": "flink-other"})
    await cmf.application("prod", application("my-app"))
    message = await cmf.error(
        "POST", ENVS, 400, json={"name": "prod", "kubernetesNamespace": "x-y"}
    )
    assert "kubernetesNamespace: cannot change" in message
    assert "my-app" in message
    assert (await cmf.ok("GET", f"{ENVS}/prod"))["kubernetesNamespace"] == "flink-other"


@ALSO_ON_POSTGRES
async def test_delete_with_applications_is_refused_unless_forced(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.application("prod", application("my-app"))
    message = await cmf.error("DELETE", f"{ENVS}/prod", 409)
    assert "my-app" in message
    assert "force=true" in message
    await cmf.ok("DELETE", f"{ENVS}/prod?force=true", 204)
    await cmf.error("GET", f"{ENVS}/prod", 404)
    # force deletes records only: the deployment keeps running, orphaned
    deployment = await cmf.deployment("my-app", "flink-prod")
    assert deployment["metadata"]["name"] == "my-app"
    assert await cmf.store.list("CmfApplication") == []
    assert await cmf.store.list("CmfApplicationInstance") == []


async def test_delete_of_an_empty_environment_and_of_an_unknown_one(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.ok("DELETE", f"{ENVS}/prod", 204)
    message = await cmf.error("DELETE", f"{ENVS}/prod", 404)
    assert 'Environment "prod" not found' in message


async def test_resource_information_counts_applications_by_state(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.application("prod", application("app-one"))
    await cmf.application("prod", application("app-two"))
    await cmf.reconcile("app-one", "flink-prod", times=5)
    plain = await cmf.ok("GET", f"{ENVS}/prod")
    assert "status" not in plain
    assert plain["secrets"] == {}
    env = await cmf.ok("GET", f"{ENVS}/prod?include-resource-information=true")
    assert env["status"]["resources"]["applications"] == {"RUNNING": 1, "CREATED": 1}
    summary = env["status"]["resourceSummary"]
    assert summary["jobManager"] == {"cpu": 1.0, "memory": 1024 * 2**20, "count": 1}
    assert summary["taskManager"]["count"] == 1
    assert env["status"]["kubernetesCluster"]["state"] == "CONNECTED"
    listed = await cmf.ok("GET", f"{ENVS}?include-resource-information=true")
    assert listed["items"][0]["status"]["resources"]["applications"]["RUNNING"] == 1
    assert "secrets" not in listed["items"][0]


async def test_yaml_in_and_out(cmf: Cmf) -> None:
    body = "name: staging\nkubernetesNamespace: flink-staging\n"
    response = await cmf.client.post(
        ENVS,
        content=body,
        headers={"Content-Type": "application/yaml", "Accept": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(response.text)["kubernetesNamespace"] == "flink-staging"
    missing = await cmf.client.get(f"{ENVS}/nope", headers={"Accept": "application/yaml"})
    assert missing.status_code == 404
    assert yaml.safe_load(missing.text) == {"errors": [{"message": 'Environment "nope" not found'}]}


@pytest.mark.parametrize(
    ("content", "content_type", "status", "words"),
    [
        ("name=x", "application/x-www-form-urlencoded", 415, "Content-Type"),
        ('{"name": "abcd"}', None, 415, "Content-Type: none"),
        ('{"name": ', "application/json", 400, "invalid JSON"),
        ("a: [", "application/yaml", 400, "invalid YAML"),
        ("a: &x 1\nb: *x\n", "application/yaml", 400, "aliases"),
        ("a: 1\n---\nb: 2\n", "application/yaml", 400, "exactly one"),
        ("[1, 2]", "application/json", 400, "must be an object"),
        ("", "application/json", 400, "request body: required"),
        ("", None, 400, "request body: required"),
        ("[" * 100 + "]" * 100, "application/json", 400, "nested deeper"),
    ],
)
async def test_bodies_that_cannot_be_read(
    cmf: Cmf, content: str, content_type: str | None, status: int, words: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await cmf.client.post(ENVS, content=content, headers=headers)
    assert response.status_code == status, response.text
    assert words in response.json()["errors"][0]["message"]


async def test_oversized_bodies_are_refused(tmp_path: Path) -> None:
    async with serving(tmp_path / "home", cmf_max_body_bytes=2048) as small:
        big = {
            "name": "abcd",
            "kubernetesNamespace": "ns",
            "computePoolDefaults": {"x": "y" * 4096},
        }
        message = await small.error("POST", ENVS, 413, json=big)
        assert "2048 bytes" in message
        assert (await small.ok("GET", ENVS))["items"] == []


@ALSO_ON_POSTGRES
async def test_paging_sorting_filtering_searching_and_fields(cmf: Cmf) -> None:
    for index, name in enumerate(["env-c", "env-a", "env-b", "other-env"]):
        body = {
            "name": name,
            "kubernetesNamespace": f"ns-{index}",
            "metadata": {"name": name, "labels": {"tier": "gold" if index % 2 else "silver"}},
        }
        await cmf.ok("POST", ENVS, json=body)
        cmf.harness.clock.advance(1)

    async def names(query: str) -> list[str]:
        page = await cmf.ok("GET", f"{ENVS}?{query}")
        return [e["name"] for e in page["items"]]

    assert await names("") == ["env-a", "env-b", "env-c", "other-env"]
    assert await names("size=2&page=1") == ["env-c", "other-env"]
    assert await names("size=2&page=5") == []
    assert await names("sort=name,desc") == ["other-env", "env-c", "env-b", "env-a"]
    assert await names("sort=updated_time,desc&size=1") == ["other-env"]
    assert await names("filter=name=env-*") == ["env-a", "env-b", "env-c"]
    assert await names("filter=labels.tier = gold") == ["env-a", "other-env"]
    assert await names("filter=labels.tier in (gold, bronze),name=env*") == ["env-a"]
    assert await names("filter=!labels.tier") == []
    assert await names("filter=labels.tier notin (gold)") == ["env-b", "env-c"]
    assert await names("search=ns-3&searchScope=name,kubernetesNamespace") == ["other-env"]
    page = await cmf.ok("GET", f"{ENVS}?size=2&sort=name,asc&fields=created_time")
    first = page["items"][0]
    assert set(first) == {"name", "kubernetesNamespace", "created_time", "metadata"}
    assert first["metadata"] == {"name": "env-a"}
    assert page["items"][1]["name"] == "env-b"
    assert page["metadata"] == {"size": 4}
    assert page["pageable"] == {
        "page": 0,
        "size": 2,
        "sort": {"sorted": True, "unsorted": False, "empty": False},
    }
    lenient = await cmf.ok("GET", f"{ENVS}?page=-3&size=0")
    assert lenient["pageable"]["page"] == 0
    assert lenient["pageable"]["size"] == 20


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("search=x", "searchScope: required"),
        ("searchScope=name", "search: required"),
        ("search=x&searchScope=color", "unsupported field 'color'"),
        ("sort=color,asc", "sort: unknown property 'color'"),
        ("sort=name,sideways", "asc or desc"),
        ("filter=color=red", "unknown field 'color'"),
        ("filter=name in (a", "unbalanced"),
        ("filter=labels.x in ()", "set needs values"),
        ("page=first", "query.page"),
        ("include-resource-information=perhaps", "include-resource-information"),
    ],
)
async def test_list_parameters_that_cannot_be_understood(cmf: Cmf, query: str, words: str) -> None:
    message = await cmf.error("GET", f"{ENVS}?{query}", 400)
    assert words in message


async def test_blank_search_is_no_search_and_a_wrong_method_says_what_is_allowed(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    page = await cmf.ok("GET", f"{ENVS}?search=&searchScope=&filter=&fields=")
    assert [e["name"] for e in page["items"]] == ["prod"]
    response = await cmf.client.request("TRACE", f"{V1}/system-information")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    response = await cmf.client.request("PATCH", f"{V1}/secrets/x")
    assert response.headers["allow"] == "DELETE, GET, PUT"
