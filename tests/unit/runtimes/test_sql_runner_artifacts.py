"""FKO's SQL-runner form (`sql-runner.jar` plus .sql scripts) runs scurry's PyFlink runner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scurry.errors import ArtifactError
from scurry.models.cluster import JobLaunch
from scurry.runtimes.local.artifacts import ArtifactResolver, is_sql_runner
from scurry.runtimes.local.flinkdist import PYTHON_DRIVER, FlinkDist

RUNNER = "local:///opt/flink/usrlib/sql-runner.jar"
SCRIPT = "/opt/flink/usrlib/sql-scripts/simple.sql"


@pytest.fixture
def resolver(tmp_path: Path) -> ArtifactResolver:
    home = tmp_path / "flink"
    (home / "opt").mkdir(parents=True)
    (home / "opt" / "flink-python-2.3.0.jar").write_bytes(b"PK")
    return ArtifactResolver(FlinkDist(home), tmp_path / "usrlib")


def job(*args: str, entry: str | None = None) -> JobLaunch:
    return JobLaunch(jar_uri=RUNNER, entry_class=entry, args=args, parallelism=1, job_id="a" * 32)


def test_only_the_runners_jar_without_an_entry_class_is_the_sql_runner() -> None:
    assert is_sql_runner(RUNNER, None)
    assert not is_sql_runner(RUNNER, "com.example.Main")
    assert not is_sql_runner("local:///opt/flink/usrlib/my-job.jar", None)
    assert not is_sql_runner("https://example.com/sql-runner.jar", None)


async def test_the_script_runs_through_pythondriver_with_scurrys_runner(
    resolver: ArtifactResolver, tmp_path: Path
) -> None:
    script = tmp_path / "usrlib" / "sql-scripts" / "simple.sql"
    script.parent.mkdir(parents=True)
    script.write_text("SELECT 1;")
    prepared = await resolver.prepare(job(SCRIPT), tmp_path / "cache")
    assert prepared.entry_class == PYTHON_DRIVER
    assert prepared.jar_path.endswith("flink-python-2.3.0.jar")
    assert list(prepared.args) == [
        "-pyclientexec",
        sys.executable,
        "-pym",
        "scurry.sqlrunner.script",
        str(script),
    ]


def test_a_missing_script_is_refused_naming_it(resolver: ArtifactResolver) -> None:
    with pytest.raises(ArtifactError, match=r"SQL script .*simple\.sql does not exist"):
        resolver.check(RUNNER, None, (SCRIPT,))
