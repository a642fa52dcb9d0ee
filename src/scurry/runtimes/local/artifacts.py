"""Job artifacts on this machine: FKO's in-image paths mapped onto the wheel.

`local:///opt/flink/opt/flink-python*.jar` is the wheel's flink-python jar,
whatever version it names; other `local:///opt/flink/...` paths resolve under
the usrlib directory (for `usrlib/...`) or the wheel's Flink home; `local://`
and `file://` paths elsewhere are used in place.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from urllib.parse import unquote, urlparse

from scurry.errors import ArtifactError
from scurry.models.cluster import JobLaunch, PreparedJob
from scurry.runtimes.local.flinkdist import PYTHON_DRIVER, FlinkDist

IMAGE_HOME = "/opt/flink/"
REMOTE_SCHEMES = ("http", "https", "s3")
# PythonDriver options whose value is a path (or a comma-separated list of them).
PYTHON_PATH_OPTIONS = {"-py", "--python", "-pyfs", "--pyFiles", "-pyarch", "--pyArchives"}
PYTHON_EXEC_OPTIONS = {"-pyclientexec", "--pyClientExecutable", "-pyexec", "--pyExecutable"}


class ArtifactResolver:
    def __init__(self, dist: FlinkDist, usrlib: Path) -> None:
        self.dist, self.usrlib = dist, usrlib

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
        """The local file behind a jarURI; ArtifactError if there is none."""
        parsed = urlparse(uri)
        scheme = parsed.scheme.lower()
        if scheme in REMOTE_SCHEMES:
            raise ArtifactError(
                f"jarURI {uri}: fetching {scheme}:// artifacts is not available in this "
                "version of the local runtime; use local:// or file://"
            )
        if scheme not in ("local", "file", ""):
            raise ArtifactError(f"jarURI {uri}: unsupported scheme '{scheme}'")
        path = self.map_path(unquote(parsed.path))
        if not path.is_file():
            raise ArtifactError(f"jarURI {uri}: file {path} does not exist")
        return path

    def job_jar(self, jar_uri: str | None, entry_class: str | None) -> Path:
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
        """The `-py` script of a Python job, so its absence is caught before submission."""
        if entry_class != PYTHON_DRIVER:
            return []
        mapped = self.program_args(entry_class, args)
        return [
            Path(mapped[i + 1])
            for i, option in enumerate(mapped[:-1])
            if option in ("-py", "--python")
        ]

    async def prepare(self, job: JobLaunch, cache_dir: Path) -> PreparedJob:
        """The job's jar on this machine and its final program arguments."""
        del cache_dir  # where remote artifacts are fetched to
        self.check(job.jar_uri, job.entry_class, job.args)
        jar = self.job_jar(job.jar_uri, job.entry_class)
        args = self.program_args(job.entry_class, job.args)
        return PreparedJob(jar_path=str(jar), entry_class=job.entry_class, args=tuple(args))

    def check(self, jar_uri: str | None, entry_class: str | None, args: tuple[str, ...]) -> None:
        self.job_jar(jar_uri, entry_class)
        for script in self.python_files(entry_class, args):
            if not script.is_file():
                raise ArtifactError(f"spec.job.args: Python file {script} does not exist")
