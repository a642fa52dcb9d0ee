"""The environment of a cluster's processes, resolved from the store before it is deployed.

The rules are `scurry.core.podenv`'s; this module reads the ConfigMaps and
Secrets a deployment's pod templates refer to (the store hands out Secrets
opened) and puts each component's environment into the ClusterSpec, for a
runtime that has no kubelet to do it (`Runtime.needs_resolved_env`).
"""

from __future__ import annotations

from typing import Any

from scurry.core import podenv
from scurry.errors import NotFound
from scurry.models import corev1
from scurry.models.cluster import ClusterSpec, ComponentResources
from scurry.ports import Obj, ResourceStore


async def with_environment(
    store: ResourceStore, spec: ClusterSpec
) -> tuple[ClusterSpec, tuple[str, ...]]:
    """`spec` with each component's `env`, and notes on what was left out.

    Raises `podenv.MissingReference` when a required object or key is missing.
    """
    by_name = spec.flink_config.get(podenv.MERGE_BY_NAME, "false").strip().lower() == "true"
    containers = {
        role: podenv.main_container(
            podenv.merge_templates(spec.pod_template, component.pod_template, by_name=by_name)
        )
        for role, component in (
            ("job_manager", spec.job_manager),
            ("task_manager", spec.task_manager),
        )
    }
    refs = set().union(*(podenv.references(c) for c in containers.values()))
    if not refs and not any(containers.values()):
        return spec, ()
    namespace = spec.ref.namespace
    sources = await load_sources(store, namespace, refs)
    resolved = {role: podenv.resolve(c, sources, namespace) for role, c in containers.items()}
    update: dict[str, Any] = {
        role: _with_env(getattr(spec, role), result.env) for role, result in resolved.items()
    }
    notes = tuple(dict.fromkeys(note for r in resolved.values() for note in r.skipped))
    return spec.model_copy(update=update), notes


def _with_env(component: ComponentResources, env: dict[str, str]) -> ComponentResources:
    return component.model_copy(update={"env": env})


async def load_sources(
    store: ResourceStore, namespace: str, refs: set[podenv.Ref]
) -> dict[podenv.Ref, dict[str, str]]:
    """The data of each referenced object that exists (a Secret's decoded)."""
    sources: dict[podenv.Ref, dict[str, str]] = {}
    for ref in refs:
        try:
            obj = await store.get(ref.kind, namespace, ref.name)
        except NotFound:
            continue
        sources[ref] = data_of(obj)
    return sources


def data_of(obj: Obj) -> dict[str, str]:
    if obj["kind"] == "Secret":
        return {
            key: value.decode("utf-8", "surrogateescape")
            for key, value in corev1.decoded(obj).items()
        }
    return {key: str(value) for key, value in (obj.get("data") or {}).items()}


def deployment_references(obj: Obj) -> set[podenv.Ref]:
    """What a FlinkDeployment's pod templates (any of them) refer to."""
    spec = obj.get("spec") or {}
    templates = [
        spec.get("podTemplate"),
        (spec.get("jobManager") or {}).get("podTemplate"),
        (spec.get("taskManager") or {}).get("podTemplate"),
    ]
    return podenv.template_references(templates)
