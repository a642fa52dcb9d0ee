"""Starting and stopping Flink JVMs the way Flink's bin scripts would.

Memory flags come from Flink's own BashJavaUtils (one short JVM run per role
and configuration), module options from the wheel's config.yaml, and every
endpoint is bound to 127.0.0.1: Flink's REST API runs uploaded code unauthenticated.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from scurry.config.flinkconf import overlay
from scurry.errors import RuntimeFailure
from scurry.runtimes.local import reporter_ports
from scurry.runtimes.local.flinkdist import (
    MEMORY_UTILS,
    SESSION_ENTRYPOINT,
    TASK_MANAGER_RUNNER,
    FlinkDist,
)
from scurry.runtimes.local.layout import ClusterDir, ProcessRecord, dumps_config

LOOPBACK = "127.0.0.1"
ROLE_PARAMS = {"jobmanager": "GET_JM_RESOURCE_PARAMS", "taskmanager": "GET_TM_RESOURCE_PARAMS"}
ROLE_CLASSES = {"jobmanager": SESSION_ENTRYPOINT, "taskmanager": TASK_MANAGER_RUNNER}
RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:"
IDENTITY_KEY = "scurry.cluster.deploy-id"  # not "token": Flink masks such values


@dataclass(frozen=True)
class MemoryFlags:
    jvm: list[str]
    dynamic: list[str]


def cluster_config(
    user: dict[str, str], cdir: ClusterDir, ports: dict[str, int], dist: FlinkDist, token: str
) -> dict[str, str]:
    """The config.yaml of a cluster: the spec's configuration with the runtime's keys on top.

    Addresses, ports and the Python interpreter are not the user's to choose here:
    they are what keeps clusters apart and on loopback.
    """
    directories = {
        "execution.checkpointing.dir": cdir.checkpoints.as_uri(),
        "execution.checkpointing.savepoint-dir": cdir.savepoints.as_uri(),
    }
    config = overlay(directories, user)
    config.update(
        {
            "jobmanager.rpc.address": LOOPBACK,
            "jobmanager.bind-host": LOOPBACK,
            "jobmanager.rpc.port": str(ports["rpc"]),
            "blob.server.port": str(ports["blob"]),
            "rest.address": LOOPBACK,
            "rest.bind-address": LOOPBACK,
            "rest.port": str(ports["rest"]),
            "taskmanager.bind-host": LOOPBACK,
            "taskmanager.host": LOOPBACK,
            "web.upload.dir": str(cdir.artifacts),
            "python.client.executable": dist.python,
            "python.executable": dist.python,
            IDENTITY_KEY: token,
            **reporter_ports.reporter_config(user, ports),
        }
    )
    return config


def write_conf(
    cdir: ClusterDir, config: dict[str, str], log_configuration: dict[str, str], dist: FlinkDist
) -> None:
    cdir.conf.mkdir(parents=True, exist_ok=True)
    (cdir.conf / "config.yaml").write_text(dumps_config(config), encoding="utf-8")
    for name in ("log4j-console.properties", "logback-console.xml"):
        target = cdir.conf / name
        if name in log_configuration:
            target.write_text(log_configuration[name], encoding="utf-8")
        elif (dist.conf / name).exists():
            shutil.copyfile(dist.conf / name, target)


async def memory_flags(dist: FlinkDist, java: str, conf: Path, role: str) -> MemoryFlags:
    """JVM memory options and dynamic properties, computed by Flink itself."""
    classpath = f"{dist.bin / 'bash-java-utils.jar'}:{dist.dist_jar}"
    proc = await asyncio.create_subprocess_exec(
        java,
        "-cp",
        classpath,
        MEMORY_UTILS,
        ROLE_PARAMS[role],
        "--configDir",
        str(conf),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    output, _ = await proc.communicate()
    text = output.decode(errors="replace")
    lines = [
        line[len(RESULT_PREFIX) :] for line in text.splitlines() if line.startswith(RESULT_PREFIX)
    ]
    if proc.returncode != 0 or len(lines) < 2:
        detail = _memory_error(text)
        raise RuntimeFailure(f"invalid {role} memory configuration: {detail}")
    return MemoryFlags(jvm=lines[-2].split(), dynamic=lines[-1].split())


def _memory_error(output: str) -> str:
    for line in output.splitlines():
        if "Exception" in line and ":" in line:
            return line.split(":", 1)[1].strip()[:300]
    return output.strip().splitlines()[-1][:300] if output.strip() else "no output"


def command_line(
    dist: FlinkDist,
    java: str,
    cdir: ClusterDir,
    role: str,
    index: int,
    flags: MemoryFlags,
    extra_java_options: list[str],
) -> list[str]:
    conf = cdir.conf
    log4j = conf / "log4j-console.properties"
    return [
        java,
        *flags.jvm,
        "-XX:+UseG1GC",
        *dist.java_module_options,
        *extra_java_options,
        f"-Dlog.file={cdir.log_file(role, index)}",
        f"-Dlog4j.configurationFile=file:{log4j}",
        f"-Dlogback.configurationFile=file:{conf / 'logback-console.xml'}",
        "-Dconsole.log.level=OFF",
        "-cp",
        f"{dist.lib}/*",
        ROLE_CLASSES[role],
        "--configDir",
        str(conf),
        *flags.dynamic,
    ]


def flink_environment(
    dist: FlinkDist, cdir: ClusterDir, container_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The JVM's environment: ours, the container's (pod template env), then Flink's paths,
    which a pod template cannot move (as it cannot move ports or addresses)."""
    env = dict(os.environ)
    env.update(container_env or {})
    env.update(
        {
            "FLINK_HOME": str(dist.home),
            "FLINK_CONF_DIR": str(cdir.conf),
            "FLINK_LIB_DIR": str(dist.lib),
            "FLINK_OPT_DIR": str(dist.opt),
            "FLINK_PLUGINS_DIR": str(dist.plugins),
            "FLINK_BIN_DIR": str(dist.bin),
            "FLINK_LOG_DIR": str(cdir.log),
            "SCURRY_CLUSTER_DIR": str(cdir.path),
        }
    )
    return env


def spawn(
    command: list[str], cdir: ClusterDir, role: str, index: int, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], ProcessRecord]:
    """Start one JVM in its own session, so it outlives a restart of the control plane."""
    out = cdir.log / ("jobmanager.out" if role == "jobmanager" else f"taskmanager-{index}.out")
    with open(out, "ab") as sink:
        proc = subprocess.Popen(
            command,
            cwd=cdir.path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        created = psutil.Process(proc.pid).create_time()
    except psutil.Error:
        created = 0.0
    record = ProcessRecord(
        role=role,
        index=index,
        pid=proc.pid,
        create_time=created,
        log=str(cdir.log_file(role, index)),
        started_at=time.time(),
    )
    return proc, record


def is_alive(record: ProcessRecord) -> bool:
    """The recorded process still runs (a reused PID has another create time)."""
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.create_time) > 1.0:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def signal_process(record: ProcessRecord, sig: signal.Signals) -> None:
    if not is_alive(record):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, sig)


async def stop_processes(records: list[ProcessRecord], grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL whatever is still there after `grace` seconds."""
    for record in records:
        signal_process(record, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(is_alive(r) for r in records):
        await asyncio.sleep(0.2)
    for record in records:
        signal_process(record, signal.SIGKILL)
    while any(is_alive(r) for r in records):
        await asyncio.sleep(0.1)


def log_tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read().decode(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def failure_reason(path: Path) -> str | None:
    """The most telling line of a JVM that died: the last exception or ERROR line."""
    text = log_tail(path, 400)
    for marker in ("Caused by: ", "Exception: ", " ERROR "):
        found = [line for line in text.splitlines() if marker in line]
        if found:
            line = found[-1]
            return (
                line[line.index(marker) + len(marker) :].strip()[:400]
                if marker != " ERROR "
                else line.strip()[:400]
            )
    return None
