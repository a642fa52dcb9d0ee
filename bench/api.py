"""Latency and throughput of the CMF API against a floor, measured in one run.

Floor: a bare FastAPI app with one route answering a fixed list of 100 items. Measured:
the real scurry app (SQLite file, secrets sealed at rest, auth middleware in place with
no auth configured, a fake runtime and no controller, so no Flink starts) answering
create, get and list of environments, applications and secrets, and
`GET .../applications?size=100` over 1,000 applications. Both are served the same way
(uvicorn, one process each, started here and stopped by PID) and driven the same way:
32 clients on loopback, each on its own keep-alive connection, for a bounded time per
scenario (creates: until 1,000 applications, 300 environments and 300 secrets exist).
Prints throughput and latency (p50, p99) per scenario, and each against the floor
(measured before and after scurry, merged: the load of a shared machine drifts).

    .venv/bin/python bench/api.py
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLIENTS = 32
SECONDS = 8.0  # per scenario, after the warm-up
WARM_UP = 1.0
APPLICATIONS = 1000
OTHERS = 300  # environments and secrets created (then listed)
PAGE = 100
COUNT_LIMIT = 600.0  # seconds: a scenario bounded by a count still ends
V1 = "/cmf/api/v1"
ENV = "bench"
SERVE = "--serve"  # internal: this file re-run as the server process


# -- the servers -----------------------------------------------------------------------


def floor_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    items = [{"name": f"item-{i}", "phase": "RUNNING", "replicas": i % 4} for i in range(PAGE)]

    @app.get("/items")
    async def fixed_list() -> dict[str, Any]:
        return {"items": items}

    return app


def serve(kind: str, home: str) -> None:
    """Run one server until SIGTERM; print its URL on stdout once it listens."""
    from scurry.testing.live_server import live_api, serve_app

    done = False

    def stopped(*_: object) -> None:
        nonlocal done
        done = True

    signal.signal(signal.SIGTERM, stopped)

    async def make_floor() -> Any:
        return floor_app()

    server: contextlib.AbstractContextManager[Any]
    if kind == "floor":
        server = serve_app(make_floor)
    else:
        server = live_api(Path(home), database=f"sqlite:///{home}/scurry.db")
    with server as served:
        print(served.url, flush=True)
        while not done:
            time.sleep(0.1)


@contextlib.contextmanager
def server(kind: str, home: Path) -> Iterator[str]:
    """`kind` (floor or scurry) served by a process of its own: its URL."""
    process = subprocess.Popen(
        [sys.executable, __file__, SERVE, kind, str(home)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SystemExit(f"the {kind} server did not start")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the clients -----------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, small enough not to be what is measured."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        content = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(content)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + content)
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            return status, await self._chunked()
        return status, await self.reader.readexactly(int(headers.get("content-length", 0)))

    async def _chunked(self) -> bytes:
        body = b""
        while size := int((await self.reader.readline()).strip(), 16):
            body += await self.reader.readexactly(size)
            await self.reader.readline()
        await self.reader.readline()
        return body

    def close(self) -> None:
        self.writer.close()


# A request of a scenario: (method, path, body) for the n-th request overall.
Request = Callable[[int], tuple[str, str, Any]]


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    latencies: list[float]
    failures: int
    failure: str = ""

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


async def load(url: str, label: str, request: Request, count: int | None = None) -> Result:
    """32 clients sending `request(n)` for SECONDS (or until `count` requests)."""
    counter = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    measuring = False
    # A count bounds the creates, not the clock: the lists that follow need all of them.
    deadline = time.monotonic() + (WARM_UP + SECONDS if count is None else COUNT_LIMIT)
    started = time.monotonic()

    async def client() -> None:
        connection = await Connection.open(url)
        try:
            while time.monotonic() < deadline:
                n = next(counter)
                if count is not None and n >= count:
                    return
                method, path, body = request(n)
                sent = time.perf_counter()
                status, answer = await connection.request(method, path, body)
                took = time.perf_counter() - sent
                if not 200 <= status < 300:
                    failures.append(f"{method} {path}: {status} {answer[:200]!r}")
                if measuring or count is not None:
                    latencies.append(took)
        finally:
            connection.close()

    async def start_measuring() -> None:
        nonlocal measuring, started
        await asyncio.sleep(WARM_UP)
        measuring, started = True, time.monotonic()

    clients = [asyncio.create_task(client()) for _ in range(CLIENTS)]
    if count is None:
        await start_measuring()
    await asyncio.gather(*clients)
    seconds = time.monotonic() - started
    return Result(
        label, len(latencies), seconds, latencies, len(failures), next(iter(failures), "")
    )


# -- the scenarios ---------------------------------------------------------------------


def application(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v1_19",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 1},
        },
    }


def secret(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "spec": {"data": {"username": "bench", "password": "not-a-real-one"}},
    }


def environment(name: str) -> dict[str, Any]:
    return {"name": name, "kubernetesNamespace": f"ns-{name}"}


async def measure_scurry(url: str) -> list[Result]:
    apps = f"{V1}/environments/{ENV}/applications"
    setup = await Connection.open(url)
    try:
        status, answer = await setup.request("POST", f"{V1}/environments", environment(ENV))
        assert 200 <= status < 300, answer
    finally:
        setup.close()
    results = [
        await load(url, "healthz (same server)", lambda n: ("GET", "/healthz", None)),
        await load(
            url,
            "create application",
            lambda n: ("POST", apps, application(f"app-{n:04d}")),
            count=APPLICATIONS,
        ),
        await load(
            url,
            f"list applications ?size={PAGE} of {APPLICATIONS}",
            lambda n: ("GET", f"{apps}?size={PAGE}", None),
        ),
        await load(
            url, "get application", lambda n: ("GET", f"{apps}/app-{n % APPLICATIONS:04d}", None)
        ),
        await load(
            url,
            "create environment",
            lambda n: ("POST", f"{V1}/environments", environment(f"env-{n:06d}")),
            count=OTHERS,
        ),
        await load(url, "get environment", lambda n: ("GET", f"{V1}/environments/{ENV}", None)),
        await load(
            url,
            f"list environments ?size={PAGE} of {OTHERS + 1}",
            lambda n: ("GET", f"{V1}/environments?size={PAGE}", None),
        ),
        await load(
            url,
            "create secret",
            lambda n: ("POST", f"{V1}/secrets", secret(f"secret-{n:06d}")),
            count=OTHERS,
        ),
        await load(url, "get secret", lambda n: ("GET", f"{V1}/secrets/secret-000000", None)),
        await load(
            url,
            f"list secrets ?size={PAGE} of {OTHERS}",
            lambda n: ("GET", f"{V1}/secrets?size={PAGE}", None),
        ),
    ]
    return results


def report(floor: Result, results: list[Result]) -> bool:
    print(
        f"\n{CLIENTS} clients on loopback, {SECONDS:.0f}s per scenario after {WARM_UP:.0f}s "
        f"of warm-up; ratios against the floor (x: times the floor's p99, or its throughput)"
    )
    header = f"{'scenario':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99 x':>7} {'thr x':>7}"
    print(header)
    print("-" * len(header))
    good = True
    for result in [floor, *results]:
        print(
            f"{result.label:<42} {result.throughput:>8.0f} {result.percentile(50):>8.1f} "
            f"{result.percentile(99):>8.1f} {result.percentile(99) / floor.percentile(99):>7.1f} "
            f"{floor.throughput / result.throughput:>7.1f}"
        )
        if result.failures:
            good = False
            print(f"  {result.failures} failed requests, the first: {result.failure}")
    return good


def main() -> int:
    """The floor is measured before and after scurry (the machine is shared: its load
    drifts), and scurry is compared with the two merged."""
    with tempfile.TemporaryDirectory(prefix="scurry-bench-api-") as workdir:
        home = Path(workdir) / "home"
        with server("floor", home) as floor_url, server("scurry", home) as url:
            before = asyncio.run(load(floor_url, "floor, before", fixed_list))
            print(f"floor before: {before.throughput:.0f} req/s", flush=True)
            results = asyncio.run(measure_scurry(url))
            after = asyncio.run(load(floor_url, "floor, after", fixed_list))
    floor = Result(
        "floor: bare FastAPI, fixed list of 100",
        before.requests + after.requests,
        before.seconds + after.seconds,
        before.latencies + after.latencies,
        before.failures + after.failures,
    )
    return 0 if report(floor, [before, after, *results]) else 1


def fixed_list(n: int) -> tuple[str, str, Any]:
    return ("GET", "/items", None)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == SERVE:
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
