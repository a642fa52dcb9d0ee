"""`scurry get -w` / `--watch-only`: the objects, then a row (or document) per change.

The command runs on a thread until "Ctrl-C": the probe below raises
KeyboardInterrupt from the printer once the object named `stop` is printed,
which is where a person would press it. The probe also says when the server
has sent the BOOKMARK that ends the current objects, i.e. when the watch is
established and changes made from then on are seen as changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import yaml
from clikit import (
    TIMEOUT,
    LiveServer,
    Result,
    Run,
    deployment,
    in_background,
    manifest,
    running_status,
)

from scurry.cli import watch as watch_module
from scurry.cli.client import ApiClient, error_line
from scurry.cli.output import render_table
from scurry.cli.watch import format_row
from scurry.errors import InvalidInput, NotFound, Unavailable
from scurry.models.resources import FLINK_DEPLOYMENT

STOP = "stop"


def named_stop(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"]["name"] == STOP)


@dataclass
class Probe:
    bookmarked: threading.Event = field(default_factory=threading.Event)
    printed: list[str] = field(default_factory=list)
    stop_when: Callable[[dict[str, Any]], bool] = named_stop


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    seen = Probe()
    real_watch = ApiClient.watch
    real_show = watch_module.WatchPrinter.show

    def watch(self: ApiClient, *args: Any) -> Iterator[dict[str, Any]]:
        for event in real_watch(self, *args):
            if event["type"] == "BOOKMARK":
                seen.bookmarked.set()
            yield event

    def show(self: watch_module.WatchPrinter, objs: list[dict[str, Any]]) -> None:
        real_show(self, objs)
        seen.printed.extend(obj["metadata"]["name"] for obj in objs)
        if any(seen.stop_when(obj) for obj in objs):
            raise KeyboardInterrupt

    monkeypatch.setattr(ApiClient, "watch", watch)
    monkeypatch.setattr(watch_module.WatchPrinter, "show", show)
    return seen


class Watching:
    """`scurry ARGS` running on a thread until the `stop` object is printed."""

    def __init__(self, scurry: Run, probe: Probe, *args: str) -> None:
        self.outcome: list[Result] = []
        self.thread = in_background(lambda: self.outcome.append(scurry(*args)))
        if not probe.bookmarked.wait(TIMEOUT):
            raise AssertionError("the watch did not start")

    def stop(self, live: LiveServer, **labels: str) -> Result:
        live.create(deployment(STOP, labels=labels or None))
        self.thread.join(TIMEOUT)
        assert self.outcome, "the watch did not end"
        return self.outcome[0]


def rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()]


def test_the_table_then_a_row_per_change(scurry: Run, live: LiveServer, probe: Probe) -> None:
    live.create(deployment("basic"))
    watching = Watching(scurry, probe, "get", "flinkdep", "-w")
    live.set_status("basic", running_status())
    live.delete("basic")

    result = watching.stop(live)

    assert (result.code, result.err) == (0, "")
    table = rows(result.out)
    assert table[0] == ["NAME", "JOB", "STATUS", "LIFECYCLE", "STATE", "AGE"]
    assert [row[0] for row in table[1:]] == ["basic", "basic", "basic", STOP]
    assert table[2][1:3] == ["RUNNING", "STABLE"]
    assert table[3][1:3] == ["RUNNING", "STABLE"]  # deleted: its last state


def test_later_rows_keep_the_columns_of_the_first(
    scurry: Run, live: LiveServer, probe: Probe
) -> None:
    live.create(deployment("basic"))
    watching = Watching(scurry, probe, "get", "flinkdep", "-w")
    live.set_status("basic", running_status())

    lines = watching.stop(live).out.splitlines()

    starts = [line.index("RUNNING") for line in lines[2:3]]
    assert starts == [lines[0].index("JOB STATUS")]


def test_watch_only_prints_only_changes(scurry: Run, live: LiveServer, probe: Probe) -> None:
    live.create(deployment("basic"))
    watching = Watching(scurry, probe, "get", "flinkdep", "--watch-only")
    live.set_status("basic", running_status())

    result = watching.stop(live)

    table = rows(result.out)
    assert table[0][0] == "NAME"
    assert [row[0] for row in table[1:]] == ["basic", STOP]
    assert table[1][1] == "RUNNING"


def test_json_prints_each_object(scurry: Run, live: LiveServer, probe: Probe) -> None:
    live.create(deployment("basic"))
    watching = Watching(scurry, probe, "get", "flinkdep", "-w", "-o", "json")
    live.set_status("basic", running_status())

    out = watching.stop(live).out

    decoder, docs, at = json.JSONDecoder(), [], 0
    while at < len(out.rstrip()):
        doc, at = decoder.raw_decode(out, at)
        docs.append(doc)
        at += len(out[at:]) - len(out[at:].lstrip())
    assert [d["metadata"]["name"] for d in docs] == ["basic", "basic", STOP]
    assert docs[1]["status"]["jobStatus"]["state"] == "RUNNING"


def test_yaml_separates_documents(scurry: Run, live: LiveServer, probe: Probe) -> None:
    live.create(deployment("basic"))
    watching = Watching(scurry, probe, "get", "flinkdep", "-w", "-o", "yaml")

    out = watching.stop(live).out

    assert not out.startswith("---")
    docs = list(yaml.safe_load_all(out))
    assert [d["metadata"]["name"] for d in docs] == ["basic", STOP]


def test_names(scurry: Run, live: LiveServer, probe: Probe) -> None:
    watching = Watching(scurry, probe, "get", "flinkdep", "-w", "-o", "name")

    result = watching.stop(live)

    assert result.out == f"flinkdeployment.flink.apache.org/{STOP}\n"


def test_a_named_object(scurry: Run, live: LiveServer, probe: Probe) -> None:
    live.create(deployment("basic"))
    live.create(deployment("other"))
    probe.stop_when = lambda obj: "status" in obj
    watching = Watching(scurry, probe, "get", "flinkdep", "basic", "-w")
    live.set_status("other", running_status())
    live.set_status("basic", running_status())
    watching.thread.join(TIMEOUT)

    table = rows(watching.outcome[0].out)
    assert [row[0] for row in table[1:]] == ["basic", "basic"]
    assert table[2][1] == "RUNNING"
    assert probe.printed == ["basic", "basic"]  # nothing of "other"


def test_a_label_selector_and_all_namespaces(scurry: Run, live: LiveServer, probe: Probe) -> None:
    live.create(deployment("web", labels={"app": "web"}, namespace="team"))
    live.create(deployment("db", labels={"app": "db"}))
    watching = Watching(scurry, probe, "get", "flinkdep", "-w", "-A", "-l", "app=web")
    live.create(deployment("db2", labels={"app": "db"}))

    result = watching.stop(live, app="web")

    table = rows(result.out)
    assert table[0][:2] == ["NAMESPACE", "NAME"]
    assert [row[:2] for row in table[1:]] == [["team", "web"], ["default", STOP]]


def test_a_watch_the_server_ends_ends_the_command(
    scurry: Run, live: LiveServer, probe: Probe
) -> None:
    live.create(deployment("basic"))
    watching = Watching(scurry, probe, "get", "flinkdep", "-w", "-o", "name")
    live.call(lambda store: store.close())  # the server's store goes: every watch ends
    watching.thread.join(TIMEOUT)

    assert watching.outcome, "the watch did not end with the server's"
    result = watching.outcome[0]
    assert (result.code, result.out) == (0, "flinkdeployment.flink.apache.org/basic\n")


def test_a_missing_named_object_is_not_found(scurry: Run, live: LiveServer) -> None:
    result = scurry("get", "flinkdep", "nope", "-w")

    assert result.code == NotFound.exit_code
    assert result.err == (
        'Error from server (NotFound): flinkdeployments.flink.apache.org "nope" not found\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["flinkdep", "a", "b"], "watch is only supported on individual resources"),
        (["flinkdep", "a", "-l", "app=web"], "cannot be combined with resource names"),
        (["flinkdep", "a", "-A"], "cannot be retrieved by name across all namespaces"),
    ],
)
def test_watches_refused(scurry: Run, args: list[str], message: str) -> None:
    result = scurry("get", *args, "-w")

    assert result.code == InvalidInput.exit_code
    assert message in result.err
    assert len(result.err.splitlines()) == 1


def test_rows_are_laid_out_as_get_lays_out_tables() -> None:
    headers = ["NAME", "JOB STATUS", "AGE"]
    table = [["basic", "RUNNING", "5s"], ["a-longer-name", "", "10m"]]
    widths = [max(len(row[i]) for row in [headers, *table]) for i in range(3)]

    lines = [format_row(row, widths) for row in [headers, *table]]

    assert "\n".join(lines) == render_table(headers, table)


def test_apply_then_watch_sees_the_manifest(scurry: Run, live: LiveServer, probe: Probe) -> None:
    assert scurry("apply", "-f", "-", stdin=manifest(deployment("basic"))).code == 0
    watching = Watching(scurry, probe, "get", "flinkdep", "-w", "-o", "name")

    result = watching.stop(live)

    assert result.out.splitlines() == [
        "flinkdeployment.flink.apache.org/basic",
        f"flinkdeployment.flink.apache.org/{STOP}",
    ]


def test_an_error_event_is_the_servers_error() -> None:
    expired = {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "message": "too old resource version: 3 (9 pruned)",
        "reason": "Expired",
        "code": 410,
    }
    lines = [
        {"type": "ADDED", "object": deployment("basic")},
        {"type": "ERROR", "object": expired},
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=body))
    seen: list[dict[str, Any]] = []

    with (
        ApiClient("http://scurry.test", transport=transport) as client,
        pytest.raises(Unavailable) as caught,
    ):
        seen.extend(client.watch(FLINK_DEPLOYMENT, "default", None, None))

    assert [event["type"] for event in seen] == ["ADDED"]
    assert error_line(caught.value) == (
        "Error from server (Expired): too old resource version: 3 (9 pruned)"
    )
