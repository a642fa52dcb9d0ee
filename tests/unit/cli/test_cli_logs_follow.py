"""`scurry logs -f` over the server's stream when the runtime has the log as a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from clikit import TIMEOUT, LiveServer, Result, Run, deployment, eventually, in_background

from scurry.errors import NotFound

KEY = ("default", "basic", "jobmanager", 0)


@pytest.fixture
def log_file(live: LiveServer, tmp_path: Path) -> Path:
    live.create(deployment())
    path = tmp_path / "jobmanager.log"
    path.write_text("one\ntwo\nthree\n")
    live.runtime.log_files[KEY] = path
    return path


def test_follow_prints_the_file_then_what_it_gains(
    scurry: Run, live: LiveServer, log_file: Path
) -> None:
    outcome: list[Result] = []
    follower = in_background(lambda: outcome.append(scurry("logs", "basic", "-f")))
    eventually(lambda: live.runtime.log_path_calls >= 1)  # the server has begun to follow
    with log_file.open("a") as handle:
        handle.write("four\n")
    live.delete("basic")
    follower.join(TIMEOUT)

    assert outcome, "logs -f did not end after the deployment was deleted"
    assert (outcome[0].code, outcome[0].out, outcome[0].err) == (0, "one\ntwo\nthree\nfour\n", "")


def test_follow_of_a_missing_log_is_not_found(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    live.create(deployment())
    live.runtime.log_files[KEY] = tmp_path / "not-yet.log"

    result = scurry("logs", "basic", "-f")

    assert result.code == NotFound.exit_code
    assert result.err == "Error from server (NotFound): no jobmanager log for default/basic\n"
