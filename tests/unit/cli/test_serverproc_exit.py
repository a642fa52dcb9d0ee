"""A server that ended counts as ended even while its parent has not reaped it."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from scurry.cli.serverproc import exit_status

# The parent starts a short-lived child and never waits for it: the child stays a zombie.
PARENT = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'pass'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_zombie_is_not_running() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = psutil.Process(int(parent.stdout.readline()))
        deadline = time.monotonic() + 60
        while child.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.status() == psutil.STATUS_ZOMBIE
        assert exit_status(child) == -1
    finally:
        parent.kill()
        parent.wait()


def test_a_running_process_has_no_exit_status() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert exit_status(psutil.Process(process.pid)) is None
    finally:
        process.kill()
        process.wait()
