"""Ports for Flink's Prometheus reporters in a local cluster, from scurry's port range.

All the processes of a local cluster share one configuration and one host, so each
reporter gets one port per process (the JobManager and every TaskManager) as a list:
Flink's reporter takes the first port of the list it can bind. The reporter has no
host option and binds every interface: a local cluster's metrics can be scraped from
other machines unless a firewall says otherwise (the docs say so).
"""

from __future__ import annotations

from collections.abc import Mapping

from scurry.config.prometheus_reporter import port_key, prometheus_reporters

PREFIX = "metrics-"


def wanted(config: Mapping[str, str], task_managers: int) -> list[str]:
    """The names under which the reporters' ports are recorded: `metrics-<reporter>-<n>`."""
    processes = range(1 + max(0, task_managers))
    return [f"{PREFIX}{name}-{n}" for name in prometheus_reporters(config) for n in processes]


def reporter_config(config: Mapping[str, str], ports: Mapping[str, int]) -> dict[str, str]:
    """Each reporter's port option: the ports allocated to it, as Flink's port list."""
    result = {}
    for name in prometheus_reporters(config):
        mine = sorted(p for key, p in ports.items() if key.startswith(f"{PREFIX}{name}-"))
        if mine:
            result[port_key(name)] = ",".join(str(p) for p in mine)
    return result
