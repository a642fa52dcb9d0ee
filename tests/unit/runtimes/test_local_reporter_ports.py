"""Flink's Prometheus reporter on a local cluster: one port per process from scurry's
range, free on 127.0.0.1 when allocated, written into the cluster's configuration."""

from __future__ import annotations

import socket
from pathlib import Path

from scurry.models.cluster import ClusterRef
from scurry.runtimes.local import launcher, portalloc, reporter_ports
from scurry.runtimes.local.flinkdist import FlinkDist
from scurry.runtimes.local.layout import ClusterDir

FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
PROM = {"metrics.reporter.prom.factory.class": FACTORY, "metrics.reporter.prom.port": "9249"}


def free_range(size: int) -> tuple[int, int]:
    """A range of ports the kernel just handed out; most of it is free."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        low = sock.getsockname()[1]
    low = min(low, 65535 - size)
    return low, low + size


def test_one_port_per_process_and_reporter() -> None:
    assert reporter_ports.wanted(PROM, task_managers=2) == [
        "metrics-prom-0",
        "metrics-prom-1",
        "metrics-prom-2",
    ]
    assert reporter_ports.wanted({}, task_managers=2) == []
    assert reporter_ports.wanted({**PROM, "metrics.reporters": "jmx"}, task_managers=2) == []


def test_the_cluster_configuration_names_the_allocated_ports(tmp_path: Path) -> None:
    names = [*portalloc.PORT_NAMES, *reporter_ports.wanted(PROM, task_managers=2)]
    chosen = portalloc.allocate(free_range(200), taken=(), count=len(names))
    ports = dict(zip(names, chosen, strict=True))
    cdir = ClusterDir(tmp_path, ClusterRef(namespace="default", name="metered"))

    config = launcher.cluster_config(PROM, cdir, ports, FlinkDist(tmp_path), "token")

    listed = [int(p) for p in config["metrics.reporter.prom.port"].split(",")]
    assert sorted(listed) == sorted(ports[f"metrics-prom-{n}"] for n in range(3))
    assert len(set(listed) | {ports["rest"], ports["rpc"], ports["blob"]}) == 6


def test_without_the_reporter_no_port_is_set(tmp_path: Path) -> None:
    ports = {"rest": 1, "rpc": 2, "blob": 3}
    cdir = ClusterDir(tmp_path, ClusterRef(namespace="default", name="plain"))
    config = launcher.cluster_config({}, cdir, ports, FlinkDist(tmp_path), "token")
    assert not any(key.startswith("metrics.reporter.") for key in config)
