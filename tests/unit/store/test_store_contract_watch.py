"""The ResourceStore contract for watch: every later change, once, in order, on every backend."""

from __future__ import annotations

import asyncio
import copy

from storekit import Backend, deployment, next_event, rv_of

from scurry.ports import ResourceStore, WatchEvent


async def test_watch_sees_added_modified_deleted_in_order(store: ResourceStore) -> None:
    events = store.watch(["FlinkDeployment"])
    created = await store.create(deployment(finalizers=["f"]))
    updated = await store.update({**created, "spec": {"parallelism": 2}})
    status = await store.update_status({**updated, "status": {"state": "RUNNING"}})
    marked = await store.delete("FlinkDeployment", "default", "web")
    assert marked is not None
    final = await store.update({**marked, "metadata": {**marked["metadata"], "finalizers": []}})

    seen = [await next_event(events) for _ in range(5)]

    assert [event.type for event in seen] == ["ADDED", *["MODIFIED"] * 3, "DELETED"]
    assert [event.object for event in seen[:4]] == [created, updated, status, marked]
    assert seen[4].object["metadata"]["uid"] == created["metadata"]["uid"]
    assert rv_of(seen[4].object) == rv_of(final)
    assert [rv_of(event.object) for event in seen] == sorted({rv_of(e.object) for e in seen})


async def test_watch_starts_after_the_call(store: ResourceStore) -> None:
    await store.create(deployment("before"))
    events = store.watch()
    await store.create(deployment("after"))

    event = await next_event(events)

    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "after")


async def test_watch_filters_kinds(store: ResourceStore) -> None:
    events = store.watch(["FlinkSessionJob"])
    await store.create(deployment("dep"))
    await store.create(deployment("job", kind="FlinkSessionJob"))

    event = await next_event(events)

    assert (event.object["kind"], event.object["metadata"]["name"]) == ("FlinkSessionJob", "job")


async def test_no_op_writes_send_no_event(store: ResourceStore) -> None:
    created = await store.create(deployment(finalizers=["f"]))
    events = store.watch()
    await store.update(copy.deepcopy(created))
    await store.update_status(copy.deepcopy(created))
    marked = await store.delete("FlinkDeployment", "default", "web")
    await store.delete("FlinkDeployment", "default", "web")  # already marked: no change
    await store.create(deployment("marker"))

    first, second = await next_event(events), await next_event(events)

    assert first.object == marked
    assert (second.type, second.object["metadata"]["name"]) == ("ADDED", "marker")


async def test_each_watcher_gets_its_own_copy(store: ResourceStore) -> None:
    one, two = store.watch(), store.watch()
    await store.create(deployment())

    event_one = await next_event(one)
    event_one.object["spec"]["image"] = "mutated"
    event_two = await next_event(two)

    assert event_two.object["spec"]["image"] == "flink:2.1"


async def test_closing_the_store_ends_watches(store: ResourceStore) -> None:
    events = store.watch()
    await store.create(deployment())

    async def drain() -> list[WatchEvent]:
        return [event async for event in events]

    draining = asyncio.create_task(drain())
    await asyncio.sleep(0)
    await store.close()

    seen = await asyncio.wait_for(draining, 5)
    assert [event.type for event in seen] in ([], ["ADDED"])


async def test_another_client_sees_writes(backend: Backend) -> None:
    peer = await backend.peer()
    events = peer.watch(["FlinkDeployment"])
    writer = backend.store
    created = await writer.create(deployment())
    updated = await writer.update({**created, "spec": {"parallelism": 3}})
    await writer.delete("FlinkDeployment", "default", "web")

    seen = [await next_event(events) for _ in range(3)]

    assert [event.type for event in seen] == ["ADDED", "MODIFIED", "DELETED"]
    assert seen[1].object == updated


async def test_watchers_on_two_clients_see_both_clients_writes_once(backend: Backend) -> None:
    peer = await backend.peer()
    mine, theirs = backend.store.watch(), peer.watch()

    async def write(client: ResourceStore, prefix: str) -> None:
        for index in range(10):
            await client.create(deployment(f"{prefix}-{index}"))

    await asyncio.gather(write(backend.store, "a"), write(peer, "b"))
    await backend.store.create(deployment("marker"))

    for events in (mine, theirs):
        names: list[str] = []
        versions: list[int] = []
        while not names or names[-1] != "marker":
            event = await next_event(events)
            names.append(event.object["metadata"]["name"])
            versions.append(rv_of(event.object))
        assert sorted(names) == sorted(
            [*(f"a-{i}" for i in range(10)), "marker"] + [f"b-{i}" for i in range(10)]
        )
        assert versions == sorted(versions)
        assert len(set(versions)) == 21


async def test_concurrent_conflicting_updates_from_two_clients(backend: Backend) -> None:
    peer = await backend.peer()
    created = await backend.store.create(deployment())

    results = await asyncio.gather(
        backend.store.update({**created, "spec": {"parallelism": 2}}),
        peer.update({**created, "spec": {"parallelism": 3}}),
        return_exceptions=True,
    )

    winners = [result for result in results if isinstance(result, dict)]
    assert len(winners) == 1, results
    assert (await peer.get("FlinkDeployment", "default", "web")) == winners[0]
