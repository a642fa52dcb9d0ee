"""ArtifactFetcher over http(s): a real HTTP server on loopback, counted requests.

The server is the standard library's, in a thread, on a free port; each route
answers a queue of statuses (the last one repeats) and counts its requests, so
"cached" means "the server saw nothing".
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scurry.errors import ArtifactError
from scurry.runtimes.fetch import (
    ArtifactFetcher,
    ArtifactUnavailable,
    cache_path,
    checksum_path,
    is_cached,
    parse_http_headers,
    remote_uri_problem,
)

JAR = b"PK\x03\x04" + bytes(range(256)) * 64


@dataclass
class Route:
    body: bytes = JAR
    statuses: list[int] = field(default_factory=lambda: [200])
    hits: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)

    def next_status(self) -> int:
        self.hits += 1
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@dataclass
class Server:
    base: str
    routes: dict[str, Route]

    def serve(self, path: str, *statuses: int, body: bytes = JAR) -> str:
        self.routes[path] = Route(body=body, statuses=list(statuses or (200,)))
        return self.base + path


def handler_for(routes: dict[str, Route]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route.headers.append(dict(self.headers.items()))
            status = route.next_status()
            body = route.body if status == 200 else b"no"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    routes: dict[str, Route] = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(routes))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", routes)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fetcher(sleeps: list[float]) -> ArtifactFetcher:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    return ArtifactFetcher(sleep=record, timeout=5.0)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.glob(".*.part")) if cache.exists() else []


async def test_downloads_to_the_cache_with_a_checksum(
    server: Server, fetcher: ArtifactFetcher, tmp_path: Path
) -> None:
    uri = server.serve("/jobs/app.jar")
    path = await fetcher.fetch(uri, tmp_path)
    digest = hashlib.sha256(uri.encode()).hexdigest()[:16]
    assert path == tmp_path / f"{digest}-app.jar"
    assert path.read_bytes() == JAR
    assert checksum_path(path).read_text().strip() == hashlib.sha256(JAR).hexdigest()
    assert leftovers(tmp_path) == []


async def test_a_second_fetch_is_a_cache_hit(
    server: Server, fetcher: ArtifactFetcher, tmp_path: Path
) -> None:
    uri = server.serve("/app.jar")
    first = await fetcher.fetch(uri, tmp_path)
    second = await ArtifactFetcher().fetch(uri, tmp_path)  # a new fetcher: the disk decides
    assert first == second
    assert server.routes["/app.jar"].hits == 1


@pytest.mark.parametrize("damage", ["content", "checksum", "no-checksum", "no-file"])
async def test_a_damaged_copy_is_fetched_again(
    server: Server, fetcher: ArtifactFetcher, tmp_path: Path, damage: str
) -> None:
    uri = server.serve("/app.jar")
    path = await fetcher.fetch(uri, tmp_path)
    if damage == "content":
        path.write_bytes(JAR[:100])  # an interrupted copy
    elif damage == "checksum":
        checksum_path(path).write_text("0" * 64)
    elif damage == "no-checksum":
        checksum_path(path).unlink()
    else:
        path.unlink()
    assert not is_cached(path)
    again = await fetcher.fetch(uri, tmp_path)
    assert again.read_bytes() == JAR
    assert is_cached(again)
    assert server.routes["/app.jar"].hits == 2


@pytest.mark.parametrize("status", [404, 403, 401])
async def test_client_errors_fail_at_once(
    server: Server, fetcher: ArtifactFetcher, sleeps: list[float], tmp_path: Path, status: int
) -> None:
    uri = server.serve("/missing.jar", status)
    with pytest.raises(ArtifactError) as failure:
        await fetcher.fetch(uri, tmp_path)
    assert failure.value.message == f"jarURI {uri}: HTTP {status}"
    assert not isinstance(failure.value, ArtifactUnavailable)
    assert server.routes["/missing.jar"].hits == 1
    assert sleeps == []
    assert leftovers(tmp_path) == []


async def test_server_errors_are_retried_with_backoff_then_fail(
    server: Server, fetcher: ArtifactFetcher, sleeps: list[float], tmp_path: Path
) -> None:
    uri = server.serve("/flaky.jar", 500)
    with pytest.raises(ArtifactUnavailable) as failure:
        await fetcher.fetch(uri, tmp_path)
    assert failure.value.message == f"jarURI {uri}: HTTP 500 after 3 attempts"
    assert server.routes["/flaky.jar"].hits == 3
    assert sleeps == [0.5, 1.0]
    assert leftovers(tmp_path) == []


async def test_a_transient_error_that_passes_is_no_failure(
    server: Server, fetcher: ArtifactFetcher, sleeps: list[float], tmp_path: Path
) -> None:
    uri = server.serve("/flaky.jar", 503, 502, 200)
    path = await fetcher.fetch(uri, tmp_path)
    assert path.read_bytes() == JAR
    assert sleeps == [0.5, 1.0]


async def test_connection_refused_is_retried_then_named(
    fetcher: ArtifactFetcher, sleeps: list[float], tmp_path: Path
) -> None:
    uri = f"http://127.0.0.1:{closed_port()}/app.jar"
    with pytest.raises(ArtifactUnavailable) as failure:
        await fetcher.fetch(uri, tmp_path)
    assert failure.value.message == f"jarURI {uri}: connection refused after 3 attempts"
    assert sleeps == [0.5, 1.0]


async def test_headers_are_sent_and_the_label_names_the_field(
    server: Server, fetcher: ArtifactFetcher, tmp_path: Path
) -> None:
    uri = server.serve("/private/app.py")
    headers = parse_http_headers("Authorization:Bearer abc:def, X-Team: data")
    await fetcher.fetch(uri, tmp_path, headers=headers, label="spec.job.args")
    seen = server.routes["/private/app.py"].headers[0]
    assert seen["Authorization"] == "Bearer abc:def"
    assert seen["X-Team"] == "data"
    with pytest.raises(ArtifactError, match=r"^spec\.job\.args http://.*/gone: HTTP 404$"):
        await fetcher.fetch(server.base + "/gone", tmp_path, label="spec.job.args")


async def test_a_malformed_uri_fails_before_any_network(
    fetcher: ArtifactFetcher, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"^jarURI s3://bucket: an s3 URI needs a bucket"):
        await fetcher.fetch("s3://bucket", tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, {}),
        ("", {}),
        ("k1:v1,k2:v2", {"k1": "v1", "k2": "v2"}),
        (" Authorization : Basic a:b ", {"Authorization": "Basic a:b"}),
        ("novalue,k:v", {"k": "v"}),
    ],
)
def test_parse_http_headers(text: str | None, expected: dict[str, str]) -> None:
    assert parse_http_headers(text) == expected


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("https://host/app.jar", None),
        ("http://127.0.0.1:8080/a/b.jar", None),
        ("s3://bucket/key.jar", None),
        ("s3://bucket/dir/key.jar", None),
        ("https:///app.jar", "an http(s) URI needs a host"),
        ("s3://bucket", "an s3 URI needs a bucket and a key (s3://bucket/key)"),
        ("s3://bucket/", "an s3 URI needs a bucket and a key (s3://bucket/key)"),
        ("s3:///key.jar", "an s3 URI needs a bucket and a key (s3://bucket/key)"),
        ("ftp://host/app.jar", "unsupported scheme 'ftp'"),
    ],
)
def test_remote_uri_problem(uri: str, problem: str | None) -> None:
    assert remote_uri_problem(uri) == problem


def test_cache_path_is_unique_per_uri_and_keeps_the_file_name(tmp_path: Path) -> None:
    one = cache_path("https://a.example/x/app.jar?token=1", tmp_path)
    two = cache_path("https://b.example/x/app.jar", tmp_path)
    assert one.name.endswith("-app.jar")
    assert two.name.endswith("-app.jar")
    assert one != two
    assert cache_path("s3://b/dir/my%20job.jar", tmp_path).name.endswith("-my job.jar")
    assert cache_path("https://h/", tmp_path).name.endswith("-artifact")
