"""The CLI's pure pieces: ages, durations, JSONPath, tables, error mapping, the entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from clikit import LiveServer, Run

from scurry.cli import jsonpath
from scurry.cli.app import hoist_global_options
from scurry.cli.client import ApiClient, error_line
from scurry.cli.output import age, event_age, human_duration, render_table
from scurry.cli.polling import Probe, parse_duration, wait_until
from scurry.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RuntimeFailure,
    ScurryError,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from scurry.models.resources import FLINK_DEPLOYMENT

NOW = datetime(2026, 11, 26, 18, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (5, "5s"),
        (119, "119s"),
        (120, "2m"),
        (200, "3m20s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (5 * 3600 + 30 * 60, "5h30m"),
        (20 * 3600, "20h"),
        (3 * 86400 + 4 * 3600, "3d4h"),
        (4 * 86400, "4d"),
        (40 * 86400, "40d"),
        (3 * 365 * 86400 + 10 * 86400, "3y10d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_matches_kubectl(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_ages_of_objects_and_events() -> None:
    stamp = (NOW - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = (NOW - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert age(stamp, NOW) == "3m"
    assert age(None, NOW) == "<unknown>"
    assert event_age({"lastTimestamp": stamp, "count": 1}, NOW) == "3m"
    assert event_age({"lastTimestamp": stamp, "firstTimestamp": first, "count": 5}, NOW) == (
        "3m (x5 over 10m)"
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("1.5s", 1.5),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5 m", "5d", "m5", "1h-2m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InvalidInput, match="--timeout: invalid duration"):
        parse_duration(text)


def test_wait_until_probes_once_even_without_time() -> None:
    calls: list[int] = []

    def probe() -> Probe:
        calls.append(1)
        return Probe(False, "no")

    assert wait_until(probe, timeout=0, description="x").done is False
    assert calls == [1]


OBJ = {
    "status": {
        "lifecycleState": "STABLE",
        "clusterInfo": {"flink-version": "2.3.0"},
        "conditions": [{"type": "Running", "status": "True"}],
        "taskManager": {"replicas": 2},
        "ready": True,
    }
}


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("{.status.lifecycleState}", "STABLE"),
        (".status.lifecycleState", "STABLE"),
        ("{$.status.lifecycleState}", "STABLE"),
        ("{.status.clusterInfo['flink-version']}", "2.3.0"),
        ('{.status.clusterInfo["flink-version"]}', "2.3.0"),
        ("{.status.conditions[0].type}", "Running"),
        ("{.status.conditions[-1].status}", "True"),
        ("{.status.taskManager.replicas}", "2"),
        ("{.status.ready}", "true"),
        ("{.status.taskManager}", '{"replicas":2}'),
        ("{.status.nothing}", ""),
        ("{.status.conditions[3]}", ""),
    ],
)
def test_jsonpath_lookup(expression: str, value: str) -> None:
    found = jsonpath.lookup(OBJ, jsonpath.parse(expression))

    assert jsonpath.format_value(found) == value


@pytest.mark.parametrize("expression", ["status", "{.status..x}", "{.status[}", "{.a b}"])
def test_bad_jsonpath(expression: str) -> None:
    with pytest.raises(InvalidInput, match="jsonpath"):
        jsonpath.parse(expression)


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("{.a.b}=X", ("{.a.b}", "X")),
        ("{.a['k=v']}=X=Y", ("{.a['k=v']}", "X=Y")),
        ("{.a.b}", ("{.a.b}", None)),
        (".a.b=", (".a.b", "")),
    ],
)
def test_split_condition(text: str, split: tuple[str, str | None]) -> None:
    assert jsonpath.split_condition(text) == split


def test_tables_align_without_borders_or_trailing_space() -> None:
    text = render_table(["NAME", "JOB STATUS"], [["a", "RUNNING"], ["longer-name", ""]])

    assert text.splitlines() == [
        "NAME          JOB STATUS",
        "a             RUNNING",
        "longer-name",
    ]


def answering(response: httpx.Response) -> ApiClient:
    """A client whose every request gets `response`."""
    return ApiClient("http://scurry.test", transport=httpx.MockTransport(lambda _: response))


@pytest.mark.parametrize(
    ("status", "error_type", "reason"),
    [
        (400, InvalidInput, "BadRequest"),
        (404, NotFound, "NotFound"),
        (409, Conflict, "Conflict"),
        (422, ValidationFailed, "Invalid"),
        (500, RuntimeFailure, "InternalError"),
        (503, Unavailable, "ServiceUnavailable"),
        (502, Unavailable, "ServiceUnavailable"),
        (401, Unauthenticated, "Unauthorized"),
        (403, Forbidden, "Forbidden"),
        (418, InvalidInput, "BadRequest"),
    ],
)
def test_error_answers_map_to_typed_errors(
    status: int, error_type: type[ScurryError], reason: str
) -> None:
    body = {"errors": [{"message": "first"}, {"message": "second"}]}

    with (
        answering(httpx.Response(status, json=body)) as client,
        pytest.raises(error_type) as caught,
    ):
        client.get(FLINK_DEPLOYMENT, "default", "x")

    assert error_line(caught.value) == f"Error from server ({reason}): first; second"
    assert caught.value.exit_code == error_type.exit_code


def test_an_answer_without_the_error_shape_keeps_its_status_line() -> None:
    bad_gateway = httpx.Response(502, text="<html>Bad gateway</html>")

    with (
        answering(bad_gateway) as client,
        pytest.raises(Unavailable, match="502 Bad Gateway: <html>"),
    ):
        client.health()


def test_already_exists_reads_as_kubectl() -> None:
    message = 'flinkdeployments.flink.apache.org "x" already exists'

    conflict = httpx.Response(409, json={"errors": [{"message": message}]})

    with answering(conflict) as client, pytest.raises(Conflict) as caught:
        client.create(FLINK_DEPLOYMENT, "default", {})

    assert error_line(caught.value) == f"Error from server (AlreadyExists): {message}"


def test_requests_use_the_kubernetes_paths() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        return httpx.Response(200, json={"items": []}, text=None)

    with ApiClient("http://scurry.test/", transport=httpx.MockTransport(answer)) as client:
        client.list(FLINK_DEPLOYMENT, None, "app=web")
        client.create(FLINK_DEPLOYMENT, "ns", {}, dry_run=True)
        client.events("ns", "involvedObject.name=x")
        client.events(None)

    assert seen == [
        "GET /apis/flink.apache.org/v1beta1/flinkdeployments?labelSelector=app%3Dweb",
        "POST /apis/flink.apache.org/v1beta1/namespaces/ns/flinkdeployments?dryRun=All",
        "GET /api/v1/namespaces/ns/events?fieldSelector=involvedObject.name%3Dx",
        "GET /api/v1/events?",
    ]


def test_no_arguments_print_help(cli: Run) -> None:
    result = cli()

    assert result.code == 0
    assert "quickstart" in result.out
    assert "apply" in result.out


def test_an_unknown_command_is_a_usage_error(cli: Run) -> None:
    result = cli("frobnicate")

    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith("error: ")


def test_verbose_prints_requests(scurry: Run) -> None:
    result = scurry("-v", "get", "flinkdep", "-o", "json")

    assert json.loads(result.out)["kind"] == "List"
    assert "GET http://127.0.0.1:" in result.err
    assert "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments 200" in result.err


def test_global_options_work_after_the_command(cli: Run, live: LiveServer) -> None:
    result = cli("get", "flinkdep", "-o", "json", "--server", live.url, "-v")

    assert json.loads(result.out)["kind"] == "List"
    assert "GET http://127.0.0.1:" in result.err


@pytest.mark.parametrize(
    ("args", "hoisted"),
    [
        (["get", "--server", "U", "x"], ["--server", "U", "get", "x"]),
        (["get", "--server=U", "-v"], ["--server=U", "-v", "get"]),
        (["logs", "x", "--", "-v"], ["logs", "x", "--", "-v"]),
    ],
)
def test_hoisting_global_options(args: list[str], hoisted: list[str]) -> None:
    assert hoist_global_options(args) == hoisted
