"""ArtifactFetcher over s3:// against a real S3 endpoint: SeaweedFS `weed mini` on loopback."""

from __future__ import annotations

import hashlib
import socket
import time
import uuid
from pathlib import Path

import psutil
import pytest

from scurry.errors import ArtifactError
from scurry.runtimes.fetch import ArtifactFetcher, ArtifactUnavailable, S3Options
from scurry.testing.seaweed import SeaweedS3

JAR = b"PK\x03\x04" + hashlib.sha256(b"scurry").digest() * 4096  # ~128 KiB
LOOPBACK = {"127.0.0.1", "::1"}


@pytest.fixture
def bucket(seaweed: SeaweedS3) -> str:
    name = f"jobs-{uuid.uuid4().hex[:12]}"
    seaweed.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def fetcher(seaweed: SeaweedS3) -> ArtifactFetcher:
    async def no_wait(seconds: float) -> None:
        del seconds

    return ArtifactFetcher(seaweed.s3_options(), sleep=no_wait)


def entries(directory: Path) -> list[Path]:
    return list(directory.iterdir())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def put(seaweed: SeaweedS3, bucket: str, key: str, body: bytes = JAR) -> str:
    seaweed.client().put_object(Bucket=bucket, Key=key, Body=body)
    return f"s3://{bucket}/{key}"


def test_weed_listens_on_loopback_only(seaweed: SeaweedS3) -> None:
    connections = psutil.Process(seaweed.pid).net_connections(kind="inet")
    listening = [conn.laddr for conn in connections if conn.status == psutil.CONN_LISTEN]
    assert listening, "weed mini listens nowhere?"
    assert {addr.ip for addr in listening} <= LOOPBACK, listening
    peers = {conn.raddr.ip for conn in connections if conn.raddr}
    assert peers <= LOOPBACK, f"weed talks to {peers}"


async def test_fetches_an_object_and_then_serves_it_from_the_cache(
    seaweed: SeaweedS3, bucket: str, fetcher: ArtifactFetcher, tmp_path: Path
) -> None:
    uri = put(seaweed, bucket, "releases/1.0/app.jar")
    started = time.monotonic()
    path = await fetcher.fetch(uri, tmp_path)
    first = time.monotonic() - started
    assert path.name.endswith("-app.jar")
    assert path.read_bytes() == JAR
    seaweed.client().delete_object(Bucket=bucket, Key="releases/1.0/app.jar")
    started = time.monotonic()
    again = await ArtifactFetcher(seaweed.s3_options()).fetch(uri, tmp_path)
    second = time.monotonic() - started
    assert again == path  # the object is gone: only the cache can have answered
    print(f"s3 fetch {len(JAR)} bytes: {first * 1000:.0f} ms, cache hit: {second * 1000:.1f} ms")


async def test_a_missing_key_fails_at_once(
    bucket: str, fetcher: ArtifactFetcher, tmp_path: Path
) -> None:
    uri = f"s3://{bucket}/no/such.jar"
    with pytest.raises(ArtifactError) as failure:
        await fetcher.fetch(uri, tmp_path)
    assert failure.value.message == f"jarURI {uri}: object not found"
    assert not isinstance(failure.value, ArtifactUnavailable)
    assert entries(tmp_path) == []


async def test_a_missing_bucket_is_named(fetcher: ArtifactFetcher, tmp_path: Path) -> None:
    uri = "s3://no-such-bucket-here/app.jar"
    with pytest.raises(ArtifactError, match=r": bucket not found$"):
        await fetcher.fetch(uri, tmp_path)


async def test_a_wrong_secret_is_access_denied(
    seaweed: SeaweedS3, bucket: str, tmp_path: Path
) -> None:
    uri = put(seaweed, bucket, "app.jar")
    options = S3Options(seaweed.endpoint, seaweed.region, seaweed.access_key, "wrong")
    with pytest.raises(ArtifactError, match=r": access denied \(SignatureDoesNotMatch\)$"):
        await ArtifactFetcher(options).fetch(uri, tmp_path)


async def test_credentials_fall_back_to_the_aws_environment(
    seaweed: SeaweedS3, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = put(seaweed, bucket, "env.jar")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", seaweed.region)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = await ArtifactFetcher(S3Options(endpoint=seaweed.endpoint)).fetch(uri, tmp_path)
    assert path.read_bytes() == JAR


async def test_a_refused_endpoint_is_retried_then_named(
    seaweed: SeaweedS3, bucket: str, tmp_path: Path
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    dead = f"http://127.0.0.1:{closed_port()}"
    options = S3Options(dead, seaweed.region, seaweed.access_key, seaweed.secret_key)
    uri = f"s3://{bucket}/app.jar"
    with pytest.raises(ArtifactUnavailable) as failure:
        await ArtifactFetcher(options, sleep=record).fetch(uri, tmp_path)
    assert failure.value.message == f"jarURI {uri}: connection refused by {dead} after 3 attempts"
    assert waits == [0.5, 1.0]
