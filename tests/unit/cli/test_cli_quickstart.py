"""`scurry quickstart` against the live server, with a stand-in for the bundled example."""

from __future__ import annotations

from pathlib import Path

import pytest
from clikit import LiveServer, Run, deployment, eventually, in_background, manifest, running_status

from scurry.cli import quickstart
from scurry.cli.apply import Source, load_objects
from scurry.errors import ScurryError

SCRIPT = "print('the example job')\n"


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A placeholder for `scurry/examples/quickstart/` (the real files ship separately)."""
    folder = tmp_path / "examples" / "quickstart"
    folder.mkdir(parents=True)
    (folder / "python_streaming.py").write_text(SCRIPT)
    manifest_doc = deployment("python-example", jar="local:///opt/flink/usrlib/python_streaming.py")
    (folder / "deployment.yaml").write_text(manifest(manifest_doc))
    monkeypatch.setattr(quickstart, "example_dir", lambda: folder)
    return folder


def test_quickstart_deploys_the_example_and_waits_for_it(
    cli: Run, live: LiveServer, example: Path, installation: Path
) -> None:
    def controller() -> None:  # plays the controller: the job runs once it is applied
        eventually(lambda: live.exists("python-example"))
        live.set_status("python-example", running_status())

    helper = in_background(controller)
    result = cli("--server", live.url, "quickstart", "--timeout", "30s")
    helper.join()

    assert result.code == 0, result.err
    assert (installation / "usrlib" / "python_streaming.py").read_text() == SCRIPT
    lines = result.out.splitlines()
    assert lines[0] == f"scurry is already running at {live.url}"
    assert "flinkdeployment.flink.apache.org/python-example created" in lines
    assert "flinkdeployment.flink.apache.org/python-example condition met" in lines
    assert any("scurry describe flinkdep python-example" in line for line in lines)
    output = installation / "clusters" / "default" / "python-example" / "output"
    assert any(str(output) in line for line in lines)
    assert lines[-1].strip().startswith("scurry down --all")


def test_quickstart_timeout_says_where_to_look(cli: Run, live: LiveServer, example: Path) -> None:
    result = cli("--server", live.url, "quickstart", "--timeout", "0.5s")

    assert result.code == 1
    assert "scurry describe flinkdep python-example" in result.err
    assert result.err.splitlines()[-1] == (
        "error: timed out waiting for the condition on flinkdeployments/python-example"
    )


def test_the_bundled_example_loads_when_installed() -> None:
    try:
        folder = quickstart.example_dir()
    except ScurryError:
        pytest.skip("scurry.examples is not installed yet")
    if not (folder / quickstart.MANIFEST).is_file():
        pytest.skip("scurry/examples/quickstart/ is not there yet")
    text = quickstart.read_example(folder, quickstart.MANIFEST)

    objects = load_objects([Source(quickstart.MANIFEST, text)], None)

    assert any(obj["kind"] == "FlinkDeployment" for obj in objects)
    assert (folder / quickstart.JOB_SCRIPT).is_file()
