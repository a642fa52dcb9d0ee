"""`scurry operator`: settings in, the operator running until SIGTERM.

Settings come from the environment (the Helm chart sets them): the watched
namespaces, the Lease's namespace, the replica's name, the probe port, and
the Kubernetes runtime's own settings. The operator defaults file is re-read
when it changes, as the local control plane does.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from dataclasses import replace

from scurry.bootstrap import (
    DefaultsFile,
    build_kubernetes_runtime,
    control_config,
    defaults_path,
    kubernetes_api_client,
    rest_client,
    utc_now,
)
from scurry.config.settings import Settings
from scurry.core.observation import ControlConfig
from scurry.operator.kubeop.cmfapi import CmfApi
from scurry.operator.kubeop.run import KubeOperator, OperatorOptions

log = logging.getLogger(__name__)


def options_of(settings: Settings) -> OperatorOptions:
    return OperatorOptions(
        identity=settings.pod_name or socket.gethostname(),
        namespaces=settings.watched_namespaces,
        lease_namespace=settings.operator_namespace,
        probe_port=settings.operator_probe_port,
        workers=settings.controller_workers,
    )


def build_operator(settings: Settings) -> KubeOperator:
    settings = settings.model_copy(update={"runtime": "kubernetes"})
    client = kubernetes_api_client(settings)
    runtime = build_kubernetes_runtime(settings, rest_client, client)
    base = control_config(settings)
    defaults = DefaultsFile(defaults_path(settings))

    def control() -> ControlConfig:
        current = defaults.current()
        return base if current is None else replace(base, operator_defaults=current)

    cmf = cmf_api(settings)
    options = options_of(settings)
    return KubeOperator(client, runtime, rest_client, control, utc_now, options, cmf=cmf)


def cmf_api(settings: Settings) -> CmfApi | None:
    """The management plane, when the chart runs one (SCURRY_SERVER): CFK resources go there."""
    if not settings.server:
        return None
    token = settings.token.get_secret_value() if settings.token else None
    return CmfApi.connect(settings.server, token, verify=not settings.insecure)


async def run_operator(settings: Settings) -> None:
    # kopf logs every handled event at INFO: one line per status write of every resource.
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)
    operator = build_operator(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    scope = ", ".join(settings.watched_namespaces or ["every namespace"])
    log.info("operator %s watching %s", operator.options.identity, scope)
    await operator.run(stop)
