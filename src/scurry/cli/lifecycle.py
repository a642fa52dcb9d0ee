"""`scurry up` and `scurry down`: the local control plane as a background process.

Both are idempotent. `up` starts a server only when nothing answers at the
server URL; `down` signals only the process its pidfile names, after
checking that the pid still belongs to that process.
"""

from __future__ import annotations

import ssl
from typing import Annotated

import psutil
import typer

from scurry.cli import serverproc as proc
from scurry.cli.client import ApiClient, Credentials
from scurry.cli.output import note, spinner, write
from scurry.cli.polling import Probe, TimedOut, parse_duration, wait_until
from scurry.cli.session import Session
from scurry.errors import Conflict, ScurryError, Unavailable
from scurry.models.resources import FLINK_DEPLOYMENT

KILL_WAIT = 5.0
CLUSTERS_HINT = "Flink clusters keep running; `scurry down --all` stops them too"


def ensure_up(session: Session, timeout: float, *, insecure: bool = False) -> str:
    """Have a server of this installation answer at the server URL; return that URL.

    `insecure` lets the server listen on a non-loopback address without authentication."""
    url, paths = session.server_url, proc.Paths(session.settings.home)
    address = proc.local_address(url)
    verify = Credentials.of(session.settings).verify(url)
    found = proc.occupant(url, address, paths.home, verify)
    if found.state == "ours":
        write(f"scurry is already running at {url}")
        return url
    refuse_taken_port(found, address)
    record = proc.read_pidfile(paths.pidfile)
    process = proc.live_process(record)
    if process is not None and record is not None and record.url != url:
        raise Conflict(
            f"scurry of this installation ({paths.home}) already runs at {record.url}; "
            "use that URL, or `scurry down` first"
        )
    if process is None:
        child = proc.spawn(paths, address, {"SCURRY_INSECURE": "true"} if insecure else None)
        proc.write_pidfile(paths.pidfile, proc.record_of(child, url))
        process = psutil.Process(child.pid)
    await_ready(url, paths, process, timeout, verify)
    write(f"scurry is running at {url}")
    return url


def refuse_taken_port(found: proc.Occupant, address: proc.Address) -> None:
    where = f"port {address.port} on {address.host}"
    hint = f"choose another port with SCURRY_PORT (e.g. SCURRY_PORT={address.port + 1} scurry up)"
    if found.state == "other-scurry":
        raise Conflict(
            f"{where} is used by another scurry installation (home {found.home}); {hint}"
        )
    if found.state == "foreign":
        raise Conflict(f"{where} is taken by another program; {hint}")


def await_ready(
    url: str,
    paths: proc.Paths,
    process: psutil.Process,
    timeout: float,
    verify: ssl.SSLContext | bool = False,
) -> None:
    """Wait for /healthz; a server that exits first is reported with its log's last lines."""
    address = proc.local_address(url)
    exited: list[int] = []

    def probe() -> Probe:
        code = proc.exit_status(process)
        if code is not None:
            exited.append(code)
            return Probe(True, "exited")
        ready = proc.occupant(url, address, paths.home, verify).state == "ours"
        return Probe(ready, "answering" if ready else "starting")

    answer = wait_until(probe, timeout=timeout, interval=0.25, description="starting scurry")
    if exited:
        for line in proc.log_tail(paths.log):
            note(line)
        proc.remove_pidfile(paths.pidfile)
        raise ScurryError(
            f"the scurry server exited (code {exited[0]}) before answering; log: {paths.log}"
        )
    if not answer.done:
        raise Unavailable(
            f"the scurry server did not answer at {url} within {timeout:g}s; it may still be "
            f"starting (log: {paths.log}; `scurry down` stops it)"
        )


def up_command(
    ctx: typer.Context,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long to wait for the server to answer.")
    ] = "90s",
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Allow a non-loopback SCURRY_HOST without authentication (see the README).",
        ),
    ] = False,
) -> None:
    """Start the local control plane in the background (nothing happens if it runs).

    Authentication and TLS come from the SCURRY_AUTH_* and SCURRY_TLS_* settings."""
    ensure_up(Session.of(ctx), parse_duration(timeout), insecure=insecure)


def running_server(session: Session, paths: proc.Paths) -> psutil.Process | None:
    """The server process of this installation: from the pidfile, else from /healthz."""
    process = proc.live_process(proc.read_pidfile(paths.pidfile))
    if process is not None:
        return process
    try:
        address = proc.local_address(session.server_url)
    except ScurryError:
        return None
    verify = Credentials.of(session.settings).verify(session.server_url)
    found = proc.occupant(session.server_url, address, paths.home, verify)
    return proc.scurry_server(found.pid) if found.state == "ours" else None


def deployments_exist(client: ApiClient) -> bool:
    try:
        return bool(client.list(FLINK_DEPLOYMENT, None)["items"])
    except ScurryError:
        return True  # cannot tell: say what may be left running


def stop(process: psutil.Process, timeout: float) -> None:
    """SIGTERM, then SIGKILL if the process has not ended within `timeout`."""
    try:
        process.terminate()
    except psutil.NoSuchProcess:
        return

    def probe() -> Probe:
        return Probe(proc.exit_status(process) is not None, "stopping")

    if wait_until(probe, timeout=timeout, interval=0.2, description="stopping scurry").done:
        return
    note(f"scurry did not stop within {timeout:g}s; killing it")
    try:
        process.kill()
    except psutil.NoSuchProcess:
        return
    if not wait_until(probe, timeout=KILL_WAIT, interval=0.2, description="killing scurry").done:
        raise TimedOut(f"scurry (pid {process.pid}) did not end after SIGKILL")


def down_command(
    ctx: typer.Context,
    stop_all: Annotated[
        bool, typer.Option("--all", help="Also stop every Flink cluster of this installation.")
    ] = False,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long to wait before killing the server.")
    ] = "30s",
) -> None:
    """Stop the background control plane (and, with --all, its Flink clusters)."""
    seconds = parse_duration(timeout)
    session = Session.of(ctx)
    paths = proc.Paths(session.settings.home)
    process = running_server(session, paths)
    if process is None:
        proc.remove_pidfile(paths.pidfile)
        write("scurry is not running")
        return
    client = session.client()
    if stop_all:
        with spinner("stopping Flink clusters"):
            client.stop_clusters()
    clusters_left = not stop_all and deployments_exist(client)
    stop(process, seconds)
    proc.remove_pidfile(paths.pidfile)
    write("scurry stopped")
    if clusters_left:
        note(CLUSTERS_HINT)
