"""The ResourceStore contract: Kubernetes API semantics for objects, on every backend.

Written against the port only; the `store`/`backend` fixtures choose the backend.
"""

from __future__ import annotations

import copy
import re

import pytest
from storekit import Backend, deployment, rv_of

from scurry.errors import Conflict, InvalidInput, NotFound
from scurry.ports import ResourceStore

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MODIFIED = "the object has been modified; please apply your changes to the latest version"


# --- create / get ------------------------------------------------------------------------


async def test_create_assigns_server_fields_and_keeps_client_metadata(
    store: ResourceStore,
) -> None:
    request = deployment(labels={"app": "web"}, finalizers=["scurry.io/cleanup"])
    request["metadata"]["annotations"] = {"note": "x"}
    owner = {"apiVersion": "v1", "kind": "App", "name": "a", "uid": "u-1", "controller": True}
    request["metadata"]["ownerReferences"] = [owner]
    sent = copy.deepcopy(request)

    created = await store.create(request)

    meta = created["metadata"]
    assert UUID.match(meta["uid"])
    assert meta["generation"] == 1
    assert int(meta["resourceVersion"]) > 0
    assert meta["creationTimestamp"] == "2026-11-26T18:00:00Z"
    assert "deletionTimestamp" not in meta
    assert meta["labels"] == {"app": "web"}
    assert meta["annotations"] == {"note": "x"}
    assert meta["finalizers"] == ["scurry.io/cleanup"]
    assert meta["ownerReferences"] == [owner]
    assert created["spec"] == request["spec"]
    assert request == sent, "the caller's object must not be modified"
    assert await store.get("FlinkDeployment", "default", "web") == created


async def test_create_drops_status_and_client_set_server_fields(store: ResourceStore) -> None:
    request = deployment()
    request["status"] = {"lifecycleState": "STABLE"}
    request["metadata"].update(
        uid="mine", generation=7, resourceVersion="999", deletionTimestamp="2020-01-01T00:00:00Z"
    )

    created = await store.create(request)

    assert "status" not in created
    assert created["metadata"]["uid"] != "mine"
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["resourceVersion"] != "999"
    assert "deletionTimestamp" not in created["metadata"]
    assert "status" not in await store.get("FlinkDeployment", "default", "web")


async def test_create_taken_name_is_a_conflict(store: ResourceStore) -> None:
    await store.create(deployment("web"))

    with pytest.raises(Conflict, match=r'"web" already exists'):
        await store.create(deployment("web", spec={"other": True}))

    # The same name is free in another namespace and for another kind.
    await store.create(deployment("web", "other"))
    await store.create(deployment("web", kind="FlinkSessionJob"))
    assert (await store.get("FlinkDeployment", "default", "web"))["spec"]["image"] == "flink:2.1"


async def test_create_rejects_objects_without_identity(store: ResourceStore) -> None:
    nameless = deployment()
    del nameless["metadata"]["name"]
    with pytest.raises(InvalidInput, match=r"metadata\.name"):
        await store.create(nameless)
    with pytest.raises(InvalidInput, match="kind"):
        await store.create({"apiVersion": "v1", "metadata": {"name": "x", "namespace": "d"}})


async def test_get_missing_object_is_not_found(store: ResourceStore) -> None:
    with pytest.raises(NotFound, match=r'flinkdeployments.* "ghost" not found'):
        await store.get("FlinkDeployment", "default", "ghost")


async def test_returned_objects_are_fresh_copies(store: ResourceStore) -> None:
    created = await store.create(deployment())
    created["spec"]["image"] = "mutated"
    fetched = await store.get("FlinkDeployment", "default", "web")
    fetched["metadata"]["labels"] = {"mutated": "yes"}
    listed = await store.list("FlinkDeployment")
    listed[0]["spec"]["parallelism"] = 99

    again = await store.get("FlinkDeployment", "default", "web")
    assert again["spec"] == {"image": "flink:2.1", "parallelism": 1}
    assert "labels" not in again["metadata"]


async def test_resource_version_is_one_counter_across_kinds(store: ResourceStore) -> None:
    a = await store.create(deployment("a"))
    b = await store.create(deployment("b", kind="FlinkSessionJob"))
    a2 = await store.update({**a, "spec": {"image": "flink:2.2"}})
    c = await store.create(deployment("c", "other"))

    versions = [rv_of(obj) for obj in (a, b, a2, c)]
    assert versions == sorted(versions)
    assert len(set(versions)) == 4


# --- list ---------------------------------------------------------------------------------


async def test_list_filters_by_kind_and_namespace_sorted(store: ResourceStore) -> None:
    for namespace, name in [("b", "y"), ("a", "z"), ("b", "x"), ("a", "w")]:
        await store.create(deployment(name, namespace))
    await store.create(deployment("job", "a", kind="FlinkSessionJob"))

    everywhere = await store.list("FlinkDeployment")
    in_b = await store.list("FlinkDeployment", namespace="b")

    keys = [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in everywhere]
    assert keys == [("a", "w"), ("a", "z"), ("b", "x"), ("b", "y")]
    assert [o["metadata"]["name"] for o in in_b] == ["x", "y"]
    assert await store.list("FlinkDeployment", namespace="none") == []
    assert [o["metadata"]["name"] for o in await store.list("FlinkSessionJob")] == ["job"]


LABELLED = {
    "prod-web": {"env": "prod", "tier": "web"},
    "prod-db": {"env": "prod", "tier": "db"},
    "stage-web": {"env": "stage", "tier": "web", "canary": "true"},
    "bare": {},
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("env=prod", ["prod-db", "prod-web"]),
        ("env==prod", ["prod-db", "prod-web"]),
        ("env!=prod", ["bare", "stage-web"]),
        ("canary", ["stage-web"]),
        ("!canary", ["bare", "prod-db", "prod-web"]),
        ("env in (prod, stage),tier=web", ["prod-web", "stage-web"]),
        ("tier notin (db)", ["bare", "prod-web", "stage-web"]),
        ("env=prod, tier!=web", ["prod-db"]),
        ("", ["bare", "prod-db", "prod-web", "stage-web"]),
        (None, ["bare", "prod-db", "prod-web", "stage-web"]),
    ],
)
async def test_list_by_label_selector(
    store: ResourceStore, selector: str | None, expected: list[str]
) -> None:
    for name, labels in LABELLED.items():
        await store.create(deployment(name, labels=labels))

    found = await store.list("FlinkDeployment", label_selector=selector)

    assert [obj["metadata"]["name"] for obj in found] == expected


async def test_list_with_invalid_selector_names_it(store: ResourceStore) -> None:
    with pytest.raises(InvalidInput, match=r"env in \(prod"):
        await store.list("FlinkDeployment", label_selector="env in (prod")


# --- update -------------------------------------------------------------------------------


async def test_spec_change_bumps_generation_and_resource_version(store: ResourceStore) -> None:
    created = await store.create(deployment())
    created["spec"]["parallelism"] = 4

    updated = await store.update(created)

    assert updated["spec"]["parallelism"] == 4
    assert updated["metadata"]["generation"] == 2
    assert rv_of(updated) > rv_of(created)
    assert await store.get("FlinkDeployment", "default", "web") == updated


async def test_metadata_change_keeps_generation(store: ResourceStore) -> None:
    created = await store.create(deployment())
    created["metadata"]["labels"] = {"team": "data"}
    created["metadata"]["annotations"] = {"a": "b"}

    updated = await store.update(created)

    assert updated["metadata"]["generation"] == 1
    assert updated["metadata"]["labels"] == {"team": "data"}
    assert rv_of(updated) > rv_of(created)


async def test_update_that_changes_nothing_is_not_a_write(store: ResourceStore) -> None:
    created = await store.create(deployment(labels={"a": "b"}))

    same = await store.update(copy.deepcopy(created))

    assert same == created
    assert rv_of(await store.get("FlinkDeployment", "default", "web")) == rv_of(created)


async def test_update_never_writes_status(store: ResourceStore) -> None:
    created = await store.create(deployment())
    with_status = await store.update_status({**created, "status": {"state": "RUNNING"}})
    request = copy.deepcopy(with_status)
    request["status"] = {"state": "HACKED"}
    request["spec"]["parallelism"] = 2

    updated = await store.update(request)

    assert updated["status"] == {"state": "RUNNING"}
    assert updated["spec"]["parallelism"] == 2


async def test_update_keeps_server_managed_metadata(store: ResourceStore) -> None:
    created = await store.create(deployment())
    request = copy.deepcopy(created)
    request["metadata"].update(
        generation=42, creationTimestamp="1999-01-01T00:00:00Z", deletionTimestamp="x"
    )
    request["spec"]["parallelism"] = 3

    updated = await store.update(request)

    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["generation"] == 2
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert "deletionTimestamp" not in updated["metadata"]


async def test_update_with_stale_resource_version_conflicts(store: ResourceStore) -> None:
    created = await store.create(deployment())
    first = copy.deepcopy(created)
    first["spec"]["parallelism"] = 2
    await store.update(first)
    stale = copy.deepcopy(created)
    stale["spec"]["parallelism"] = 3

    with pytest.raises(Conflict, match=MODIFIED):
        await store.update(stale)
    assert (await store.get("FlinkDeployment", "default", "web"))["spec"]["parallelism"] == 2


async def test_update_without_resource_version_is_unconditional(store: ResourceStore) -> None:
    await store.create(deployment())
    await store.update(deployment(spec={"parallelism": 2}))
    request = deployment(spec={"parallelism": 5})

    updated = await store.update(request)

    assert updated["spec"] == {"parallelism": 5}
    assert updated["metadata"]["generation"] == 3


async def test_update_of_missing_object_is_not_found(store: ResourceStore) -> None:
    with pytest.raises(NotFound, match='"ghost" not found'):
        await store.update(deployment("ghost"))


# --- update_status ------------------------------------------------------------------------


async def test_update_status_writes_only_status(store: ResourceStore) -> None:
    created = await store.create(deployment(labels={"a": "b"}))
    request = copy.deepcopy(created)
    request["status"] = {"jobStatus": {"state": "RUNNING"}}
    request["spec"]["parallelism"] = 8
    request["metadata"]["labels"] = {"changed": "yes"}

    updated = await store.update_status(request)

    assert updated["status"] == {"jobStatus": {"state": "RUNNING"}}
    assert updated["spec"] == created["spec"]
    assert updated["metadata"]["labels"] == {"a": "b"}
    assert updated["metadata"]["generation"] == 1
    assert rv_of(updated) > rv_of(created)
    assert await store.get("FlinkDeployment", "default", "web") == updated


async def test_update_status_with_stale_resource_version_conflicts(store: ResourceStore) -> None:
    created = await store.create(deployment())
    await store.update({**created, "spec": {"parallelism": 2}})

    with pytest.raises(Conflict, match=MODIFIED):
        await store.update_status({**created, "status": {"state": "X"}})
    assert "status" not in await store.get("FlinkDeployment", "default", "web")


async def test_unchanged_status_is_not_a_write(store: ResourceStore) -> None:
    created = await store.create(deployment())
    first = await store.update_status({**created, "status": {"state": "X"}})

    again = await store.update_status(copy.deepcopy(first))

    assert rv_of(again) == rv_of(first)


# --- delete and finalizers -----------------------------------------------------------------


async def test_delete_without_finalizers_removes(store: ResourceStore) -> None:
    await store.create(deployment())

    assert await store.delete("FlinkDeployment", "default", "web") is None

    with pytest.raises(NotFound):
        await store.get("FlinkDeployment", "default", "web")
    assert await store.list("FlinkDeployment") == []
    with pytest.raises(NotFound):
        await store.delete("FlinkDeployment", "default", "web")


async def test_delete_with_finalizers_marks_once(backend: Backend) -> None:
    store = backend.store
    created = await store.create(deployment(finalizers=["scurry.io/cleanup"]))
    backend.clock.advance(60)

    marked = await store.delete("FlinkDeployment", "default", "web")
    backend.clock.advance(60)
    again = await store.delete("FlinkDeployment", "default", "web")

    assert marked is not None
    assert again is not None
    assert marked["metadata"]["deletionTimestamp"] == "2026-11-26T18:01:00Z"
    assert rv_of(marked) > rv_of(created)
    assert again["metadata"]["deletionTimestamp"] == "2026-11-26T18:01:00Z"
    assert rv_of(again) == rv_of(marked)
    assert await store.get("FlinkDeployment", "default", "web") == marked


async def test_removing_the_last_finalizer_removes_the_object(store: ResourceStore) -> None:
    await store.create(deployment(finalizers=["a", "b"]))
    marked = await store.delete("FlinkDeployment", "default", "web")
    assert marked is not None

    marked["metadata"]["finalizers"] = ["b"]
    still_there = await store.update(marked)
    still_there["metadata"]["finalizers"] = []
    final = await store.update(still_there)

    assert still_there["metadata"]["deletionTimestamp"]
    assert "finalizers" not in final["metadata"]
    assert final["metadata"]["uid"] == marked["metadata"]["uid"]
    with pytest.raises(NotFound):
        await store.get("FlinkDeployment", "default", "web")


async def test_no_new_finalizers_on_an_object_being_deleted(store: ResourceStore) -> None:
    await store.create(deployment(finalizers=["a"]))
    marked = await store.delete("FlinkDeployment", "default", "web")
    assert marked is not None
    marked["metadata"]["finalizers"] = ["a", "new"]

    with pytest.raises(InvalidInput, match="no new finalizers"):
        await store.update(marked)
    assert (await store.get("FlinkDeployment", "default", "web"))["metadata"]["finalizers"] == ["a"]


async def test_delete_with_stale_resource_version_conflicts(store: ResourceStore) -> None:
    created = await store.create(deployment())
    updated = await store.update({**created, "spec": {"parallelism": 2}})

    with pytest.raises(Conflict, match=MODIFIED):
        await store.delete(
            "FlinkDeployment",
            "default",
            "web",
            resource_version=created["metadata"]["resourceVersion"],
        )
    removed = await store.delete(
        "FlinkDeployment", "default", "web", resource_version=updated["metadata"]["resourceVersion"]
    )
    assert removed is None
