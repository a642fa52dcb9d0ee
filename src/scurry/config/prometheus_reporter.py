"""Flink's own Prometheus reporter, opt-in: on when the configuration names its factory.

`metrics.reporter.<name>.factory.class: org.apache.flink.metrics.prometheus.
PrometheusReporterFactory` turns it on (restricted to `metrics.reporters` when that
list is set, as Flink does); `metrics.reporter.<name>.port` is a port, a range
`9250-9260` or a list of both (Flink's port-range syntax), 9249 by default. The
reporter has no host option: it binds every interface of the process.
"""

from __future__ import annotations

from collections.abc import Mapping

from scurry.errors import ValidationFailed

FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
DEFAULT_PORT = 9249
_PREFIX = "metrics.reporter."
_FACTORY_SUFFIX = ".factory.class"


def port_key(name: str) -> str:
    return f"{_PREFIX}{name}.port"


def prometheus_reporters(config: Mapping[str, str]) -> list[str]:
    """The names of the Prometheus reporters `config` turns on, sorted."""
    enabled = {n.strip() for n in config.get("metrics.reporters", "").split(",") if n.strip()}
    names = []
    for key, value in config.items():
        if key.startswith(_PREFIX) and key.endswith(_FACTORY_SUFFIX) and value.strip() == FACTORY:
            name = key[len(_PREFIX) : -len(_FACTORY_SUFFIX)]
            if name and (not enabled or name in enabled):
                names.append(name)
    return sorted(names)


def first_port(config: Mapping[str, str], name: str) -> int:
    """The first port the reporter `name` tries: the one a fresh pod binds."""
    error = port_error(config, name)
    if error:
        raise ValidationFailed(error)
    return int(_first(config, name))


def port_error(config: Mapping[str, str], name: str) -> str | None:
    """Why the reporter's port option does not read, naming the key; None if it does."""
    first = _first(config, name)
    if first.isdigit() and 0 < int(first) < 65536:
        return None
    text = config.get(port_key(name), "")
    return f"{port_key(name)}: {text!r} is not a port, a range like 9250-9260 or a list of them"


def _first(config: Mapping[str, str], name: str) -> str:
    text = config.get(port_key(name), str(DEFAULT_PORT)).strip()
    return text.split(",")[0].split("-")[0].strip()
