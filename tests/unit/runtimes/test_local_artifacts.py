"""ArtifactResolver with remote URIs: `check` stays offline, `prepare` fetches.

A recording fetcher stands in for the network: it writes what it is asked for
under the cache path the real one would use, or raises what it is told to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from scurry.errors import ArtifactError
from scurry.models.cluster import JobLaunch
from scurry.runtimes.fetch import HTTP_HEADER_OPTION, ArtifactFetcher, cache_path
from scurry.runtimes.local.artifacts import ArtifactResolver
from scurry.runtimes.local.flinkdist import PYTHON_DRIVER, FlinkDist

JOB_ID = "a" * 32


@dataclass
class Call:
    uri: str
    cache_dir: Path
    headers: dict[str, str]
    label: str


class RecordingFetcher(ArtifactFetcher):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.error: ArtifactError | None = None

    async def fetch(
        self,
        uri: str,
        cache_dir: Path,
        *,
        headers: Mapping[str, str] | None = None,
        label: str = "jarURI",
    ) -> Path:
        self.calls.append(Call(uri, cache_dir, dict(headers or {}), label))
        if self.error is not None:
            raise self.error
        target = cache_path(uri, cache_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"fetched {uri}")
        return target


def text(path: Path) -> str:
    return path.read_text()


@pytest.fixture
def dist(tmp_path: Path) -> FlinkDist:
    home = tmp_path / "flink"
    (home / "opt").mkdir(parents=True)
    (home / "opt" / "flink-python-2.3.0.jar").write_bytes(b"PK")
    return FlinkDist(home)


@pytest.fixture
def fetcher() -> RecordingFetcher:
    return RecordingFetcher()


@pytest.fixture
def resolver(dist: FlinkDist, fetcher: RecordingFetcher, tmp_path: Path) -> ArtifactResolver:
    return ArtifactResolver(dist, tmp_path / "usrlib", fetcher)


def launch(
    jar_uri: str | None, *args: str, entry: str | None = "com.example.Job", **config: str
) -> JobLaunch:
    return JobLaunch(
        jar_uri=jar_uri,
        entry_class=entry,
        args=args,
        parallelism=1,
        job_id=JOB_ID,
        flink_config=config,
    )


@pytest.mark.parametrize(
    "uri",
    ["https://artifacts.example/app.jar", "http://10.1.2.3:8080/a/b.jar", "s3://jobs/app.jar"],
)
def test_check_accepts_remote_jars_offline(
    resolver: ArtifactResolver, fetcher: RecordingFetcher, uri: str
) -> None:
    resolver.check(uri, "com.example.Job", ())
    assert fetcher.calls == []


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("s3://jobs", "jarURI s3://jobs: an s3 URI needs a bucket and a key (s3://bucket/key)"),
        ("https:///app.jar", "jarURI https:///app.jar: an http(s) URI needs a host"),
    ],
)
def test_check_refuses_malformed_remote_jars(
    resolver: ArtifactResolver, uri: str, message: str
) -> None:
    with pytest.raises(ArtifactError) as failure:
        resolver.check(uri, "com.example.Job", ())
    assert failure.value.message == message


def test_check_accepts_remote_python_files_offline(
    resolver: ArtifactResolver, fetcher: RecordingFetcher
) -> None:
    args = ("-py", "https://h.example/job.py", "-pyfs", "s3://b/lib.zip,s3://b/helpers.py")
    resolver.check(None, PYTHON_DRIVER, args)
    assert fetcher.calls == []
    with pytest.raises(ArtifactError, match=r"^spec\.job\.args s3://b: an s3 URI needs"):
        resolver.check(None, PYTHON_DRIVER, ("-py", "s3://b"))


def test_check_still_requires_local_files(resolver: ArtifactResolver, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        resolver.check(f"file://{tmp_path}/missing.jar", "com.example.Job", ())
    with pytest.raises(ArtifactError, match=r"Python file .*missing\.py does not exist"):
        resolver.check(None, PYTHON_DRIVER, ("-py", str(tmp_path / "missing.py")))


async def test_prepare_fetches_a_remote_jar_into_the_cache_dir(
    resolver: ArtifactResolver, fetcher: RecordingFetcher, tmp_path: Path
) -> None:
    cache = tmp_path / "artifacts"
    job = launch("s3://jobs/app.jar", "--rows", "10")
    prepared = await resolver.prepare(job, cache)
    assert prepared.jar_path == str(cache_path("s3://jobs/app.jar", cache))
    assert prepared.args == ("--rows", "10")
    assert [(c.uri, c.cache_dir, c.label) for c in fetcher.calls] == [
        ("s3://jobs/app.jar", cache, "jarURI")
    ]


async def test_prepare_sends_fkos_http_headers_the_job_overriding_the_cluster(
    resolver: ArtifactResolver, fetcher: RecordingFetcher, tmp_path: Path
) -> None:
    cluster = {HTTP_HEADER_OPTION: "Authorization:Bearer cluster"}
    await resolver.prepare(launch("https://h.example/app.jar"), tmp_path, cluster)
    job = launch("https://h.example/app.jar", **{HTTP_HEADER_OPTION: "Authorization:Bearer job"})
    await resolver.prepare(job, tmp_path, cluster)
    assert [c.headers for c in fetcher.calls] == [
        {"Authorization": "Bearer cluster"},
        {"Authorization": "Bearer job"},
    ]


async def test_prepare_leaves_local_jars_alone(
    resolver: ArtifactResolver, fetcher: RecordingFetcher, tmp_path: Path
) -> None:
    jar = tmp_path / "app.jar"
    jar.write_bytes(b"PK")
    prepared = await resolver.prepare(launch(f"file://{jar}"), tmp_path / "artifacts")
    assert prepared.jar_path == str(jar)
    assert fetcher.calls == []


async def test_prepare_fetches_remote_python_files_keeping_module_names(
    resolver: ArtifactResolver, fetcher: RecordingFetcher, dist: FlinkDist, tmp_path: Path
) -> None:
    cache = tmp_path / "artifacts"
    local = tmp_path / "local_lib.zip"
    local.write_bytes(b"PK")
    args = (
        "-py",
        "https://h.example/jobs/main.py",
        "-pyfs",
        f"s3://b/helpers.py,{local}",
        "-pyarch",
        "s3://b/venv.zip#venv",
        "--rows",
        "10",
    )
    prepared = await resolver.prepare(launch(None, *args, entry=PYTHON_DRIVER), cache)
    assert prepared.jar_path == str(dist.python_jar)
    assert [(c.uri, c.label) for c in fetcher.calls] == [
        ("https://h.example/jobs/main.py", "spec.job.args"),
        ("s3://b/helpers.py", "spec.job.args"),
        ("s3://b/venv.zip", "spec.job.args"),
    ]
    got = dict(zip(prepared.args[::2], prepared.args[1::2], strict=False))
    main, helpers = Path(got["-py"]), Path(got["-pyfs"].split(",")[0])
    assert main.name == "main.py"
    assert helpers.name == "helpers.py"  # importable as `helpers`
    assert text(helpers) == "fetched s3://b/helpers.py"
    assert got["-pyfs"].split(",")[1] == str(local)
    assert got["-pyarch"] == f"{cache_path('s3://b/venv.zip', cache)}#venv"
    assert got["--rows"] == "10"


async def test_prepare_passes_a_fetch_failure_on(
    resolver: ArtifactResolver, fetcher: RecordingFetcher, tmp_path: Path
) -> None:
    fetcher.error = ArtifactError("jarURI s3://b/k.jar: object not found")
    with pytest.raises(ArtifactError, match="object not found"):
        await resolver.prepare(launch("s3://b/k.jar"), tmp_path)
