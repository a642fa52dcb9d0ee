"""`GET .../{plural}?watch=true`: Kubernetes watch events, filtered, raced, and released."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from serverkit import Api, EventReader, deployment, until

from scurry.ports import WatchEvent
from scurry.server.selection import selection
from scurry.server.watch import INITIAL_EVENTS_END, WatchView
from scurry.store.apierrors import WatchExpired

Seen = list[tuple[str, str]]


def names(events: list[dict[str, Any]]) -> Seen:
    return [(e["type"], e["object"]["metadata"]["name"]) for e in events]


async def test_current_objects_then_every_change_in_order(api: Api) -> None:
    before = await api.create(deployment("before"))
    path = api.path()

    async with api.client.stream("GET", path, params={"watch": "true"}) as response:
        reader = EventReader(response)
        initial = await reader.next()
        created = await api.create(deployment("basic"))
        spec = await api.client.patch(
            f"{path}/basic",
            json={"spec": {"job": {"parallelism": 4}}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        status = await api.client.put(f"{path}/basic/status", json={"status": {"state": "X"}})
        deleted = await api.client.delete(f"{path}/basic")
        events = [await reader.next() for _ in range(4)]

    assert response.headers["content-type"] == "application/json"
    assert initial == {"type": "ADDED", "object": before}
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
    assert [e["object"] for e in events[:3]] == [created, spec.json(), status.json()]
    assert events[1]["object"]["metadata"]["generation"] == 2
    assert events[2]["object"]["status"] == {"state": "X"}
    assert deleted.status_code == 200
    assert events[3]["object"]["metadata"]["uid"] == created["metadata"]["uid"]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(set(rvs))


async def test_bookmark_ends_the_initial_events(api: Api) -> None:
    await api.create(deployment("a"))
    await api.create(deployment("b"))
    params = {"watch": "1", "allowWatchBookmarks": "true"}

    async with api.client.stream("GET", api.path(), params=params) as response:
        initial = await EventReader(response).until_bookmark()

    assert names(initial) == [("ADDED", "a"), ("ADDED", "b")]


async def test_send_initial_events_false_sends_only_changes(api: Api) -> None:
    await api.create(deployment("old"))
    params = {"watch": "true", "sendInitialEvents": "false", "allowWatchBookmarks": "true"}

    async with api.client.stream("GET", api.path(), params=params) as response:
        reader = EventReader(response)
        initial = await reader.until_bookmark()
        await api.create(deployment("new"))
        event = await reader.next()

    assert initial == []
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "new")


async def test_label_selector_adds_and_deletes_objects_moving_in_and_out(api: Api) -> None:
    await api.create(deployment("web", labels={"app": "web"}))
    await api.create(deployment("db", labels={"app": "db"}))
    params = {"watch": "true", "labelSelector": "app=web"}
    merge = {"Content-Type": "application/merge-patch+json"}

    async with api.client.stream("GET", api.path(), params=params) as response:
        reader = EventReader(response)
        initial = await reader.next()
        await api.create(deployment("other", labels={"app": "db"}))
        relabel = {"metadata": {"labels": {"app": "web"}}}
        await api.client.patch(f"{api.path()}/db", json=relabel, headers=merge)
        unlabel = {"metadata": {"labels": {"app": "gone"}}}
        await api.client.patch(f"{api.path()}/web", json=unlabel, headers=merge)
        await api.create(deployment("web2", labels={"app": "web"}))
        events = [await reader.next() for _ in range(3)]

    assert names([initial]) == [("ADDED", "web")]
    assert names(events) == [("ADDED", "db"), ("DELETED", "web"), ("ADDED", "web2")]
    assert events[1]["object"]["metadata"]["labels"] == {"app": "gone"}


async def test_namespace_and_field_selector(api: Api) -> None:
    params = {"watch": "true", "fieldSelector": "metadata.name=x", "allowWatchBookmarks": "1"}

    async with api.client.stream("GET", api.path(namespace="team"), params=params) as response:
        reader = EventReader(response)
        await reader.until_bookmark()
        await api.create(deployment("x"))
        await api.create(deployment("y", namespace="team"))
        await api.create(deployment("x", namespace="team"))
        event = await reader.next()

    assert (event["type"], event["object"]["metadata"]["namespace"]) == ("ADDED", "team")
    assert event["object"]["metadata"]["name"] == "x"


async def test_all_namespaces(api: Api) -> None:
    params = {"watch": "true", "allowWatchBookmarks": "true"}

    async with api.client.stream("GET", api.path(namespace=None), params=params) as response:
        reader = EventReader(response)
        await reader.until_bookmark()
        await api.create(deployment("a", namespace="one"))
        await api.create(deployment("b", namespace="two"))
        events = [await reader.next() for _ in range(2)]

    assert [e["object"]["metadata"]["namespace"] for e in events] == ["one", "two"]


async def test_a_change_between_watch_and_list_is_sent_once(api: Api) -> None:
    """A write after the watch started and before the listing shows only in the listing."""
    created = await api.create(deployment("basic"))
    updated: list[dict[str, Any]] = []

    async def write_in_the_gap() -> None:
        body = {**created, "spec": {**created["spec"], "restartNonce": 1}}
        updated.append((await api.client.put(f"{api.path()}/basic", json=body)).json())

    api.store.before_next_list = write_in_the_gap
    params = {"watch": "true", "allowWatchBookmarks": "true"}
    async with api.client.stream("GET", api.path(), params=params) as response:
        reader = EventReader(response)
        initial = await reader.until_bookmark()
        await api.create(deployment("marker"))
        after = await reader.next()

    assert initial == [{"type": "ADDED", "object": updated[0]}]
    assert names([after]) == [("ADDED", "marker")]


async def test_the_store_watch_is_released_when_the_client_goes(api: Api) -> None:
    params = {"watch": "true", "allowWatchBookmarks": "true"}
    await api.client.get("/healthz")  # the client's connection (and its server task) exists
    tasks_before = len(asyncio.all_tasks())

    async with api.client.stream("GET", api.path(), params=params) as response:
        await EventReader(response).until_bookmark()
        assert api.store.open_watches == 1

    await until(lambda: api.store.open_watches == 0, "the watch to be released")
    await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the server's tasks to end")
    assert api.store.watches_started == 1


async def test_timeout_seconds_ends_the_watch(api: Api) -> None:
    await api.create(deployment("a"))
    params = {"watch": "true", "timeoutSeconds": "1"}

    async with api.client.stream("GET", api.path(), params=params) as response:
        events = await EventReader(response).rest()

    assert names(events) == [("ADDED", "a")]
    await until(lambda: api.store.open_watches == 0, "the watch to be released")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"labelSelector": "app in (web"}, "invalid label selector"),
        ({"fieldSelector": "spec.image=x"}, "field label not supported: 'spec.image'"),
        ({"fieldSelector": "metadata.name"}, "invalid term"),
        ({"resourceVersion": "12"}, "resourceVersion: a watch cannot start from a given version"),
        ({"timeoutSeconds": "-1"}, "timeoutSeconds"),
    ],
)
async def test_bad_requests_fail_before_streaming(
    api: Api, params: dict[str, str], message: str
) -> None:
    response = await api.client.get(api.path(), params={"watch": "true", **params})

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert api.store.watches_started == 0


async def test_lists_honour_field_selectors(api: Api) -> None:
    await api.create(deployment("a"))
    await api.create(deployment("b"))

    only_b = await api.client.get(api.path(), params={"fieldSelector": "metadata.name=b"})
    not_b = await api.client.get(api.path(), params={"fieldSelector": "metadata.name!=b"})

    assert [o["metadata"]["name"] for o in only_b.json()["items"]] == ["b"]
    assert [o["metadata"]["name"] for o in not_b.json()["items"]] == ["a"]


# -- WatchView: what one watcher is shown, as plain data --------------------------------


def obj(name: str, rv: int, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "resourceVersion": str(rv)}
    if labels:
        meta["labels"] = labels
    return {"kind": "FlinkDeployment", "metadata": meta}


@pytest.mark.parametrize(
    ("event", "shown"),
    [
        (WatchEvent("MODIFIED", obj("a", 5)), None),  # the listing shows it already
        (WatchEvent("MODIFIED", obj("a", 6)), ("MODIFIED", "a")),
        (WatchEvent("ADDED", obj("gone", 4)), None),  # before the listing, gone in it
        (WatchEvent("ADDED", obj("new", 9)), ("ADDED", "new")),
        (WatchEvent("DELETED", obj("never-shown", 9)), None),
        (WatchEvent("DELETED", obj("a", 9)), ("DELETED", "a")),
        (WatchEvent("MODIFIED", obj("a", 9, {"app": "db"})), ("DELETED", "a")),
        (WatchEvent("MODIFIED", obj("other", 9, {"app": "db"})), None),
    ],
)
def test_watch_view(event: WatchEvent, shown: tuple[str, str] | None) -> None:
    view = WatchView(selection(None, "app!=db", None), [obj("a", 5), obj("b", 3)])

    result = view.translate(event)

    assert (None if result is None else (result.type, result.object["metadata"]["name"])) == shown


def test_watch_view_follows_an_object_in_and_out() -> None:
    view = WatchView(selection("default", "app=web", None), [])
    steps = [
        WatchEvent("ADDED", obj("a", 1, {"app": "db"})),
        WatchEvent("MODIFIED", obj("a", 2, {"app": "web"})),
        WatchEvent("MODIFIED", obj("a", 3, {"app": "web"})),
        WatchEvent("MODIFIED", obj("a", 3, {"app": "web"})),  # a replay
        WatchEvent("MODIFIED", obj("a", 4, {"app": "db"})),
        WatchEvent("DELETED", obj("a", 5, {"app": "db"})),
    ]

    shown = [view.translate(step) for step in steps]

    assert [s.type if s else None for s in shown] == [
        None,
        "ADDED",
        "MODIFIED",
        None,
        "DELETED",
        None,
    ]


def test_bookmark_annotation_is_kubernetes_own() -> None:
    assert INITIAL_EVENTS_END == "k8s.io/initial-events-end"


async def test_a_watcher_left_behind_gets_an_expired_status(api: Api) -> None:
    async def left_behind() -> AsyncIterator[WatchEvent]:
        raise WatchExpired("too old resource version: 3 (9 pruned)")
        yield  # an async generator that fails at its first event

    api.store.watch = lambda kinds=None: left_behind()  # type: ignore[method-assign]

    async with api.client.stream("GET", api.path(), params={"watch": "true"}) as response:
        events = await EventReader(response).rest()

    assert events == [
        {
            "type": "ERROR",
            "object": {
                "apiVersion": "v1",
                "kind": "Status",
                "metadata": {},
                "status": "Failure",
                "message": "too old resource version: 3 (9 pruned)",
                "reason": "Expired",
                "code": 410,
            },
        }
    ]
