"""Job artifacts on this machine: FKO's in-image paths mapped onto the wheel.

`local:///opt/flink/opt/flink-python*.jar` is the wheel's flink-python jar,
whatever version it names; other `local:///opt/flink/...` paths resolve under
the usrlib directory (for `usrlib/...`) or the wheel's Flink home; `local://`
and `file://` paths elsewhere are used in place. Remote jars and Python files
(`http(s)://`, `s3://`) are only checked for syntax at admission (`check`,
offline) and fetched into the cluster's artifacts directory by `prepare`,
when the job is about to be submitted.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlparse

from scurry.errors import ArtifactError
from scurry.models.cluster import JobLaunch, PreparedJob
from scurry.runtimes.fetch import (
    HTTP_HEADER_OPTION,
    REMOTE_SCHEMES,
    ArtifactFetcher,
    is_remote,
    parse_http_headers,
    remote_uri_problem,
)
from scurry.runtimes.local.flinkdist import PYTHON_DRIVER, FlinkDist

IMAGE_HOME = "/opt/flink/"
ARGS = "spec.job.args"
# PythonDriver options whose value is a path (or a comma-separated list of them).
PYTHON_PATH_OPTIONS = {"-py", "--python", "-pyfs", "--pyFiles", "-pyarch", "--pyArchives"}
PYTHON_EXEC_OPTIONS = {"-pyclientexec", "--pyClientExecutable", "-pyexec", "--pyExecutable"}
# FKO's SQL-runner form: a job whose jar is the example's `sql-runner.jar` and whose
# arguments are .sql scripts. Locally scurry runs its own runner (PyFlink) instead.
SQL_RUNNER_JAR = "sql-runner*.jar"
SQL_RUNNER_MODULE = "scurry.sqlrunner.script"


def is_sql_runner(jar_uri: str | None, entry_class: str | None) -> bool:
    """Whether the job is FKO's SQL runner (no entry class of its own, the runner's jar)."""
    if not jar_uri or entry_class or is_remote(jar_uri):
        return False
    return fnmatch.fnmatch(Path(urlparse(jar_uri).path).name, SQL_RUNNER_JAR)


Fetch = Callable[[str], Awaitable[Path]]


class ArtifactResolver:
    def __init__(
        self, dist: FlinkDist, usrlib: Path, fetcher: ArtifactFetcher | None = None
    ) -> None:
        self.dist, self.usrlib = dist, usrlib
        self.fetcher = fetcher or ArtifactFetcher()

    def map_path(self, path: str) -> Path:
        """A path as a manifest writes it (maybe in-image) -> a path on this machine."""
        if not path.startswith(IMAGE_HOME):
            return Path(path)
        rest = path[len(IMAGE_HOME) :]
        if fnmatch.fnmatch(rest, "opt/flink-python*.jar"):
            return self.dist.python_jar
        if rest.startswith("usrlib/"):
            return self.usrlib / rest[len("usrlib/") :]
        return self.dist.home / rest

    def resolve(self, uri: str) -> Path:
        """The local file behind a local:// or file:// jarURI; ArtifactError if there is none.

        Remote jarURIs have no local file until `prepare` fetches them.
        """
        parsed = urlparse(uri)
        scheme = parsed.scheme.lower()
        if scheme in REMOTE_SCHEMES:
            raise ArtifactError(f"jarURI {uri}: remote, fetched only when the job is prepared")
        if scheme not in ("local", "file", ""):
            raise ArtifactError(f"jarURI {uri}: unsupported scheme '{scheme}'")
        path = self.map_path(unquote(parsed.path))
        if not path.is_file():
            raise ArtifactError(f"jarURI {uri}: file {path} does not exist")
        return path

    def job_jar(self, jar_uri: str | None, entry_class: str | None) -> Path:
        if is_sql_runner(jar_uri, entry_class):
            return self.dist.python_jar
        if jar_uri:
            return self.resolve(jar_uri)
        if entry_class == PYTHON_DRIVER:
            return self.dist.python_jar
        raise ArtifactError(
            "spec.job.jarURI: required by the local runtime, which has no image to load the "
            "job's classes from"
        )

    def program_args(self, entry_class: str | None, args: tuple[str, ...]) -> list[str]:
        """Python jobs: in-image paths mapped, and always the interpreter scurry runs under."""
        if entry_class != PYTHON_DRIVER:
            return list(args)
        result: list[str] = []
        items = list(args)
        index = 0
        while index < len(items):
            option = items[index]
            value = items[index + 1] if index + 1 < len(items) else None
            if option in PYTHON_EXEC_OPTIONS and value is not None:
                index += 2
                continue
            result.append(option)
            if option in PYTHON_PATH_OPTIONS and value is not None:
                result.append(",".join(self._arg_path(v) for v in value.split(",")))
                index += 2
                continue
            index += 1
        return ["-pyclientexec", self.dist.python, *result]

    def _arg_path(self, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme in ("local", "file"):
            return str(self.map_path(unquote(parsed.path)))
        return str(self.map_path(value)) if value.startswith(IMAGE_HOME) else value

    def python_files(self, entry_class: str | None, args: tuple[str, ...]) -> list[Path]:
        """The local `-py` script of a Python job, so its absence is caught before submission."""
        if entry_class != PYTHON_DRIVER:
            return []
        mapped = self.program_args(entry_class, args)
        return [
            Path(mapped[i + 1])
            for i, option in enumerate(mapped[:-1])
            if option in ("-py", "--python") and not is_remote(mapped[i + 1])
        ]

    def remote_python_files(self, entry_class: str | None, args: Sequence[str]) -> list[str]:
        """The http(s)/s3 URIs among a Python job's path options (`-py`, `-pyfs`, ...)."""
        if entry_class != PYTHON_DRIVER:
            return []
        return [
            item for index in _path_values(args) for item in _items(args[index]) if is_remote(item)
        ]

    async def prepare(
        self, job: JobLaunch, cache_dir: Path, config: Mapping[str, str] | None = None
    ) -> PreparedJob:
        """The job's jar on this machine (fetched into `cache_dir` if remote) and its final
        program arguments; `config` (then the job's own) may carry FKO's HTTP header option."""
        self.check(job.jar_uri, job.entry_class, job.args)
        options = {**(config or {}), **job.flink_config}
        headers = parse_http_headers(options.get(HTTP_HEADER_OPTION))
        fetch = partial(self.fetcher.fetch, cache_dir=cache_dir, headers=headers)
        if job.jar_uri and is_remote(job.jar_uri):
            jar = await fetch(job.jar_uri)
        else:
            jar = self.job_jar(job.jar_uri, job.entry_class)
        if is_sql_runner(job.jar_uri, job.entry_class):
            return PreparedJob(
                jar_path=str(self.dist.python_jar),
                entry_class=PYTHON_DRIVER,
                args=tuple(self.sql_runner_args(job.args)),
            )
        args = job.args
        if job.entry_class == PYTHON_DRIVER:
            args = await _fetch_python_args(args, partial(fetch, label=ARGS))
        args = tuple(self.program_args(job.entry_class, args))
        return PreparedJob(jar_path=str(jar), entry_class=job.entry_class, args=args)

    def sql_runner_args(self, args: Sequence[str]) -> list[str]:
        """PythonDriver's arguments for scurry's SQL runner: the scripts, paths mapped."""
        scripts = [self._arg_path(arg) for arg in args]
        return ["-pyclientexec", self.dist.python, "-pym", SQL_RUNNER_MODULE, *scripts]

    def check(self, jar_uri: str | None, entry_class: str | None, args: tuple[str, ...]) -> None:
        """Offline and fast, for admission: local files exist, remote URIs are well formed."""
        if is_sql_runner(jar_uri, entry_class):
            for given in self.sql_runner_args(args)[4:]:
                if not Path(given).is_file():
                    raise ArtifactError(f"{ARGS}: SQL script {given} does not exist")
            return
        if jar_uri and is_remote(jar_uri):
            _require_well_formed(jar_uri, "jarURI")
        else:
            self.job_jar(jar_uri, entry_class)
        for uri in self.remote_python_files(entry_class, args):
            _require_well_formed(uri, ARGS)
        for script in self.python_files(entry_class, args):
            if not script.is_file():
                raise ArtifactError(f"{ARGS}: Python file {script} does not exist")


def _require_well_formed(uri: str, label: str) -> None:
    problem = remote_uri_problem(uri)
    if problem:
        raise ArtifactError(f"{label} {uri}: {problem}")


def _path_values(args: Sequence[str]) -> Iterator[int]:
    """Indexes of the values of PythonDriver's path options, walked as `program_args` does."""
    index = 0
    while index < len(args) - 1:
        if args[index] in PYTHON_PATH_OPTIONS:
            yield index + 1
            index += 2
        else:
            index += 2 if args[index] in PYTHON_EXEC_OPTIONS else 1


def _items(value: str) -> list[str]:
    """A path option's comma-separated items, without an archive's `#target` suffix."""
    return [item.partition("#")[0] for item in value.split(",")]


async def _fetch_python_args(args: tuple[str, ...], fetch: Fetch) -> tuple[str, ...]:
    """The args with each remote path item replaced by its fetched local copy."""
    result = list(args)
    for index in _path_values(args):
        items = []
        for item in args[index].split(","):
            path, sep, target = item.partition("#")
            local = str(importable(await fetch(path))) if is_remote(path) else path
            items.append(local + sep + target)
        result[index] = ",".join(items)
    return tuple(result)


def importable(fetched: Path) -> Path:
    """A fetched `.py` file under its own name (`<hash>/<name>.py`), so it can be imported."""
    if fetched.suffix != ".py":
        return fetched
    prefix, _, name = fetched.name.partition("-")
    alias = fetched.parent / prefix / name
    if not alias.is_symlink():
        alias.parent.mkdir(exist_ok=True)
        alias.symlink_to(Path("..") / fetched.name)
    return alias
