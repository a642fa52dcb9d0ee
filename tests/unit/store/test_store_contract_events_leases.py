"""The ResourceStore contract for events and leases, on every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from storekit import START, Backend

from scurry.ports import EventRecord, InvolvedObject, ResourceStore

WEB = InvolvedObject("FlinkDeployment", "default", "web", uid="uid-web", api_version="v1beta1")
DB = InvolvedObject("FlinkDeployment", "other", "db")


def record(involved: InvolvedObject = WEB, message: str = "Job is running") -> EventRecord:
    return EventRecord(involved, "Normal", "JobStatusChanged", message, component="JobManager")


# --- events -------------------------------------------------------------------------------


async def test_event_has_the_kubernetes_shape(store: ResourceStore) -> None:
    await store.record_event(record())

    [event] = await store.list_events()

    assert event["apiVersion"] == "v1"
    assert event["kind"] == "Event"
    assert event["metadata"]["name"].startswith("web.")
    assert event["metadata"]["namespace"] == "default"
    assert event["metadata"]["uid"]
    assert event["metadata"]["creationTimestamp"] == "2026-11-26T18:00:00Z"
    assert event["involvedObject"] == {
        "kind": "FlinkDeployment",
        "namespace": "default",
        "name": "web",
        "uid": "uid-web",
        "apiVersion": "v1beta1",
    }
    assert (event["type"], event["reason"], event["message"]) == (
        "Normal",
        "JobStatusChanged",
        "Job is running",
    )
    assert event["count"] == 1
    assert event["firstTimestamp"] == event["lastTimestamp"] == "2026-11-26T18:00:00Z"
    assert event["source"] == {"component": "JobManager"}
    assert event["reportingComponent"] == "JobManager"


async def test_repeated_event_is_counted(backend: Backend) -> None:
    store = backend.store
    await store.record_event(record())
    backend.clock.advance(90)
    await store.record_event(record())
    await store.record_event(record(message="Job failed"))

    events = await store.list_events(involved=WEB)

    assert [(e["message"], e["count"]) for e in events] == [
        ("Job is running", 2),
        ("Job failed", 1),
    ]
    assert events[0]["firstTimestamp"] == "2026-11-26T18:00:00Z"
    assert events[0]["lastTimestamp"] == "2026-11-26T18:01:30Z"


async def test_events_are_sorted_by_last_timestamp(backend: Backend) -> None:
    store = backend.store
    await store.record_event(record(message="first"))
    backend.clock.advance(1)
    await store.record_event(record(message="second"))
    await store.record_event(record(message="third"))
    backend.clock.advance(1)
    await store.record_event(record(message="first"))

    events = await store.list_events()

    assert [event["message"] for event in events] == ["second", "third", "first"]


async def test_list_events_filters(store: ResourceStore) -> None:
    await store.record_event(record(WEB))
    await store.record_event(record(DB))
    await store.record_event(record(InvolvedObject("FlinkSessionJob", "default", "web")))

    in_other = await store.list_events(namespace="other")
    about_web = await store.list_events(
        involved=InvolvedObject("FlinkDeployment", "default", "web")
    )
    wrong_uid = await store.list_events(involved=InvolvedObject(WEB.kind, "default", "web", "x"))

    assert [e["involvedObject"]["name"] for e in in_other] == ["db"]
    assert [e["involvedObject"]["kind"] for e in about_web] == ["FlinkDeployment"]
    assert wrong_uid == []
    assert len(await store.list_events()) == 3


# --- leases -------------------------------------------------------------------------------


async def test_lease_is_acquired_and_held(backend: Backend) -> None:
    store = backend.store
    mine = await store.try_acquire_lease("controller", "a", 15)
    backend.clock.advance(5)
    theirs = await store.try_acquire_lease("controller", "b", 15)

    assert (mine.name, mine.holder, mine.duration_seconds) == ("controller", "a", 15)
    assert mine.renewed_at == START
    assert theirs.holder == "a"
    assert theirs.renewed_at == START


async def test_holder_renews(backend: Backend) -> None:
    store = backend.store
    await store.try_acquire_lease("controller", "a", 15)
    backend.clock.advance(10)
    renewed = await store.try_acquire_lease("controller", "a", 15)
    backend.clock.advance(10)  # 20 s after the first acquisition, 10 s after the renewal

    still = await store.try_acquire_lease("controller", "b", 15)

    assert renewed.renewed_at == START + timedelta(seconds=10)
    assert still.holder == "a"


async def test_expired_lease_goes_to_another_holder(backend: Backend) -> None:
    store = backend.store
    await store.try_acquire_lease("controller", "a", 15)
    backend.clock.advance(16)

    taken = await store.try_acquire_lease("controller", "b", 15)

    assert taken.holder == "b"
    assert taken.renewed_at == START + timedelta(seconds=16)
    assert (await store.try_acquire_lease("controller", "a", 15)).holder == "b"


async def test_steal_from_a_named_holder(store: ResourceStore) -> None:
    await store.try_acquire_lease("controller", "old", 3600)

    not_named = await store.try_acquire_lease("controller", "new", 3600, steal_from="someone")
    stolen = await store.try_acquire_lease("controller", "new", 3600, steal_from="old")

    assert not_named.holder == "old"
    assert stolen.holder == "new"


async def test_release_frees_only_for_the_holder(store: ResourceStore) -> None:
    await store.try_acquire_lease("controller", "a", 3600)
    await store.release_lease("controller", "b")
    assert (await store.try_acquire_lease("controller", "b", 3600)).holder == "a"

    await store.release_lease("controller", "a")

    assert (await store.try_acquire_lease("controller", "b", 3600)).holder == "b"


async def test_leases_are_independent_by_name(store: ResourceStore) -> None:
    one = await store.try_acquire_lease("one", "a", 60)
    two = await store.try_acquire_lease("two", "b", 60)
    assert (one.holder, two.holder) == ("a", "b")


@pytest.mark.parametrize("round_", range(10))
async def test_exactly_one_of_two_clients_wins_a_lease(backend: Backend, round_: int) -> None:
    peer = await backend.peer()
    name = f"race-{round_}"

    first, second = await asyncio.gather(
        backend.store.try_acquire_lease(name, "a", 60),
        peer.try_acquire_lease(name, "b", 60),
    )

    assert first.holder == second.holder
    assert first.holder in ("a", "b")
    assert (await peer.try_acquire_lease(name, "c", 60)).holder == first.holder
