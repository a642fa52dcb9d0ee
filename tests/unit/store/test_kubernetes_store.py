"""What only the Kubernetes backend of the store does: resumed and expired watches,
namespace scoping, events shared by replicas. Against the fake API server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from storekit import TIMEOUT, FakeClock, deployment, next_event

from scurry.errors import InvalidInput
from scurry.ports import EventRecord, InvolvedObject
from scurry.store.apierrors import WatchExpired
from scurry.store.kubernetes import KubernetesStore, open_kubernetes_store
from scurry.testing.kube import FakeKubernetes


@pytest.fixture
def kube(clock: FakeClock) -> Iterator[FakeKubernetes]:
    with FakeKubernetes(clock=clock) as server:
        yield server


async def poll(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(TIMEOUT):
        while not condition():
            await asyncio.sleep(0.02)


def watch_calls(kube: FakeKubernetes) -> list[dict[str, str]]:
    assert kube.handler is not None
    return [query for _, _, query in list(kube.handler.calls) if query.get("watch") == "true"]


async def test_watch_resumes_where_the_server_ended_it(kube: FakeKubernetes) -> None:
    store = await open_kubernetes_store(kube.api_client(), watch_timeout=1)
    try:
        events = store.watch(["FlinkDeployment"])
        first = await store.create(deployment("first"))
        assert (await next_event(events)).object == first

        await poll(lambda: len(watch_calls(kube)) >= 2)  # the server ended one stream
        second = await store.create(deployment("second"))

        event = await next_event(events)
        assert (event.type, event.object) == ("ADDED", second)
        resumed = watch_calls(kube)[1]
        assert int(resumed["resourceVersion"]) >= int(first["metadata"]["resourceVersion"])
    finally:
        await store.close()


async def test_a_watch_older_than_the_history_expires(kube: FakeKubernetes) -> None:
    store = await open_kubernetes_store(kube.api_client())
    peer = await open_kubernetes_store(kube.api_client())
    try:
        await store.create(deployment("seen"))
        await peer.create(deployment("unseen"))
        kube.call(lambda api: api.compact())

        events = store.watch(["FlinkDeployment"])

        with pytest.raises(WatchExpired, match="too old resource version"):
            await next_event(events)
    finally:
        await peer.close()
        await store.close()


async def test_a_namespaced_store_sees_and_writes_only_its_namespaces(
    kube: FakeKubernetes,
) -> None:
    admin = await open_kubernetes_store(kube.api_client())
    scoped = await open_kubernetes_store(kube.api_client(), namespaces=["team-a", "team-b"])
    try:
        events = scoped.watch(["FlinkDeployment"])
        for namespace in ("team-a", "other", "team-b"):
            await admin.create(deployment("web", namespace))

        listed = await scoped.list("FlinkDeployment")
        seen = {(await next_event(events)).object["metadata"]["namespace"] for _ in range(2)}

        assert [obj["metadata"]["namespace"] for obj in listed] == ["team-a", "team-b"]
        assert seen == {"team-a", "team-b"}
        with pytest.raises(InvalidInput, match=r"'other' is not a watched namespace"):
            await scoped.create(deployment("new", "other"))
    finally:
        await scoped.close()
        await admin.close()


async def test_two_replicas_count_one_event(kube: FakeKubernetes, clock: FakeClock) -> None:
    one = await open_kubernetes_store(kube.api_client(), clock=clock)
    two = await open_kubernetes_store(kube.api_client(), clock=clock)
    about = InvolvedObject("FlinkDeployment", "default", "web", uid="u-1")
    record = EventRecord(about, "Warning", "DeploymentFailed", "image pull failed")
    try:
        await asyncio.gather(*(store.record_event(record) for store in (one, two, one, two)))

        [event] = await one.list_events("default")

        assert event["count"] == 4
        assert event["involvedObject"]["uid"] == "u-1"
    finally:
        await one.close()
        await two.close()


async def test_lease_is_a_coordination_lease_object(kube: FakeKubernetes) -> None:
    store = await open_kubernetes_store(kube.api_client(), lease_namespace="scurry-system")
    try:
        await store.try_acquire_lease("scurry-controller", "pod-a", 15)
        [lease] = kube.call(
            lambda api: [obj for (key, _, _), obj in api.objects.items() if key[2] == "leases"]
        )
        assert lease["metadata"]["namespace"] == "scurry-system"
        assert lease["spec"]["holderIdentity"] == "pod-a"
        assert lease["spec"]["leaseDurationSeconds"] == 15
        assert lease["spec"]["renewTime"].endswith("Z")
    finally:
        await store.close()


async def test_unknown_kinds_are_refused_by_name(kube: FakeKubernetes) -> None:
    store: KubernetesStore = await open_kubernetes_store(kube.api_client())
    try:
        with pytest.raises(InvalidInput, match="'CmfEnvironment'"):
            await store.list("CmfEnvironment")
    finally:
        await store.close()
