"""FlinkApplications: each one becomes a FlinkDeployment the controller runs.

Create and update are one operation (CMF's POST). Everything is checked
before anything is written: the body, the derived deployment against the
same admission rules as the FKO API (a bad spec is a 422 that changes
nothing), and that no FlinkDeployment of that name belongs to someone else
(409). The application's status is its deployment's status, read live.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from scurry.errors import Conflict, InvalidInput, ScurryError, ValidationFailed
from scurry.models.cmf import CMF_API_VERSION, FlinkApplication
from scurry.models.manifest import normalize
from scurry.models.resources import FLINK_DEPLOYMENT, FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec
from scurry.ports import Obj
from scurry.services.admission import admit, mutate
from scurry.services.cmf import instances, kinds, lookup, names, records, requests, restore
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.deployments import (
    Restore,
    deployment_for,
    effective_spec,
    owned_by,
    start_from,
)
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, path_getter, v2_rules

KIND = "FlinkApplication"
_JOB_STATE = path_getter("status.jobStatus.state")


def app_state(item: dict[str, Any]) -> str:
    """An application's state, as `state=` filters and counts see it: its job's state."""
    return str(_JOB_STATE(item) or "CREATED")


RULES: ListRules = v2_rules(extra_filters={"state": app_state})


class Applications:
    def __init__(self, ctx: CmfContext) -> None:
        self.ctx = ctx

    async def upsert(self, env_name: str, body: Any) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        parsed = requests.parse(FlinkApplication, body)
        requests.check_kind(parsed.kind, KIND)
        name = names.check_name(parsed.metadata.get("name"))
        labels = requests.check_string_map(parsed.metadata.get("labels"), "metadata.labels")
        notes = requests.check_string_map(
            parsed.metadata.get("annotations"), "metadata.annotations"
        )
        existing = await records.find(self.ctx.cmf, kinds.APPLICATION, env_name, name)
        return await self._apply(env, name, parsed.spec, labels, notes, existing)

    async def get(self, env_name: str, name: str) -> dict[str, Any]:
        return render(*await self.with_deployment(env_name, name))

    async def with_deployment(self, env_name: str, name: str) -> tuple[Obj, Obj | None]:
        """The application record and its deployment (None if there is none)."""
        app = await lookup.application(self.ctx, env_name, name)
        env = await lookup.environment(self.ctx, env_name)
        return app, await self.deployment(env, name)

    async def page(self, env_name: str, query: ListQuery) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        deployments = await self.deployments(env)
        apps = {
            app["metadata"]["name"]: app for app in await lookup.applications(self.ctx, env_name)
        }

        def finish(view: dict[str, Any]) -> dict[str, Any]:
            name = view["metadata"]["name"]
            return render(apps[name], deployments.get(name))

        views = [_view(app, deployments.get(name)) for name, app in apps.items()]
        return page_of(views, query, RULES, finish)

    async def rendered(self, env_name: str) -> list[dict[str, Any]]:
        env = await lookup.environment(self.ctx, env_name)
        deployments = await self.deployments(env)
        apps = await lookup.applications(self.ctx, env_name)
        return [render(app, deployments.get(app["metadata"]["name"])) for app in apps]

    async def deployments(self, env: Obj) -> dict[str, Obj]:
        found = await self.ctx.fko.list(FLINK_DEPLOYMENT.kind, lookup.namespace_of(env))
        return {d["metadata"]["name"]: d for d in found}

    async def deployment(self, env: Obj, name: str) -> Obj | None:
        namespace = lookup.namespace_of(env)
        return await records.find(self.ctx.fko, FLINK_DEPLOYMENT.kind, namespace, name)

    async def start(self, env_name: str, name: str, savepoint_uid: str | None) -> dict[str, Any]:
        app = await lookup.application(self.ctx, env_name, name)
        env = await lookup.environment(self.ctx, env_name)
        spec, job = _with_job(app)
        job["state"] = "running"
        forced = None
        if savepoint_uid:
            namespace = lookup.namespace_of(env)
            path = await restore.savepoint_for_start(self.ctx, namespace, name, savepoint_uid)
            job["startFromSavepoint"] = {"uid": savepoint_uid}
            forced = Restore(path, redeploy=_deployed(await self.deployment(env, name)))
        return await self._apply(env, name, spec, *_labels(app), app, forced)

    async def suspend(self, env_name: str, name: str) -> dict[str, Any]:
        app = await lookup.application(self.ctx, env_name, name)
        env = await lookup.environment(self.ctx, env_name)
        spec, job = _with_job(app)
        job["state"] = "suspended"
        return await self._apply(env, name, spec, *_labels(app), app)

    async def delete(self, env_name: str, name: str, *, force: bool = False) -> None:
        """Delete the application; unless `force`, its deployment and savepoints go too."""
        app = await lookup.application(self.ctx, env_name, name)
        if not force:
            env = await lookup.environment(self.ctx, env_name)
            await self.delete_derived(env, app)
        await instances.delete_all(self.ctx, app)
        await self.ctx.cmf.delete(kinds.APPLICATION, env_name, name)

    async def delete_derived(self, env: Obj, app: Obj) -> None:
        """The deployment (the controller stops Flink) and the savepoints of `app`."""
        namespace, name = lookup.namespace_of(env), app["metadata"]["name"]
        for snapshot in await restore.snapshots_of(self.ctx, namespace, name):
            await records.delete_quietly(self.ctx.fko, snapshot)
        deployment = await self.deployment(env, name)
        if deployment is not None and owned_by(deployment, app):
            await records.delete_quietly(self.ctx.fko, deployment)

    async def _apply(
        self,
        env: Obj,
        name: str,
        spec: dict[str, Any],
        labels: dict[str, str],
        annotations: dict[str, str],
        existing: Obj | None,
        forced: Restore | None = None,
    ) -> dict[str, Any]:
        deployment = await self.deployment(env, name)
        if deployment is not None and not owned_by(deployment, existing):
            namespace = lookup.namespace_of(env)
            raise Conflict(
                f'FlinkDeployment "{name}" already exists in namespace "{namespace}" and does '
                "not belong to this application; delete it or choose another name"
            )
        _check_spec_types(name, spec)
        effective = effective_spec(spec, env)
        if not isinstance(effective.get("job"), dict):
            raise ValidationFailed(
                f'FlinkApplication "{name}" is invalid: spec.job: required: an application '
                "runs one job (jarURI, parallelism, ...)"
            )
        plan = forced or await self._restore(env, name, spec, existing, deployment)
        draft = _draft(env, name, spec, labels, annotations, existing)
        await self._admit(deployment_for(draft, env, plan, deployment), deployment, name)
        app = await self._write_record(env, name, spec, labels, annotations, existing)
        written = await self._write_deployment(env, app, plan, deployment, existing is None)
        tracking = await instances.advance(self.ctx, app, effective, written)
        if tracking:
            app = await records.touch(self.ctx.cmf, app, self.ctx.now(), **tracking)
        return render(app, written)

    async def _restore(
        self,
        env: Obj,
        name: str,
        spec: dict[str, Any],
        existing: Obj | None,
        deployment: Obj | None,
    ) -> Restore | None:
        """What `job.startFromSavepoint` asks for, when it is new (an unchanged one is done)."""
        start = start_from(spec)
        if start is None:
            return None
        if (
            existing is not None
            and deployment is not None
            and start == start_from(existing["spec"])
        ):
            return None
        try:
            path = await restore.path_of(self.ctx, lookup.namespace_of(env), name, start)
        except InvalidInput as exc:
            raise ValidationFailed(f'{KIND} "{name}" is invalid: {exc.message}') from None
        allow = start.get("allowNonRestoredState")
        return Restore(path, allow if isinstance(allow, bool) else None, _deployed(deployment))

    async def _admit(self, candidate: Obj, existing: Obj | None, name: str) -> None:
        """The FKO API's admission for the derived deployment, worded for the application."""
        try:
            FlinkDeployment.model_validate(candidate)
            obj = normalize(copy.deepcopy(candidate))
        except ValidationError as exc:
            raise ValidationFailed(
                f'{KIND} "{name}" is invalid: {requests.describe(exc)}'
            ) from None
        except InvalidInput as exc:
            raise ValidationFailed(f'{KIND} "{name}" is invalid: {exc.message}') from None
        mutate(obj)
        if not self.ctx.admission:
            return
        try:
            await admit(obj, existing, self.ctx.fko, self.ctx.runtime, self.ctx.control())
        except ValidationFailed as exc:
            detail = exc.message.partition(" is invalid: ")[2] or exc.message
            raise ValidationFailed(f'{KIND} "{name}" is invalid: {detail}') from None

    async def _write_record(
        self,
        env: Obj,
        name: str,
        spec: dict[str, Any],
        labels: dict[str, str],
        annotations: dict[str, str],
        existing: Obj | None,
    ) -> Obj:
        env_name, now = env["metadata"]["name"], self.ctx.now()
        if existing is None:
            obj = records.record(
                kinds.APPLICATION, env_name, name, spec, labels=labels, annotations=annotations
            )
            return await records.create(self.ctx.cmf, obj, now, KIND)
        return await records.replace(
            self.ctx.cmf, existing, spec, now, labels=labels, annotations=annotations
        )

    async def _write_deployment(
        self, env: Obj, app: Obj, plan: Restore | None, deployment: Obj | None, created: bool
    ) -> Obj:
        obj = normalize(deployment_for(app, env, plan, deployment))
        try:
            if deployment is None:
                written: Obj = await self.ctx.fko.create(obj)
            else:
                written = await self.ctx.fko.update(obj)
        except ScurryError:
            if created:  # nothing half-applied: the new application goes again
                await records.delete_quietly(self.ctx.cmf, app)
            raise
        return written


def render(app: Obj, deployment: Obj | None) -> dict[str, Any]:
    """The application as CMF answers it: the user's spec, the deployment's live status."""
    status = None
    if deployment is not None and owned_by(deployment, app):
        status = deployment.get("status")
    return FlinkApplication(
        api_version=CMF_API_VERSION,
        kind=KIND,
        metadata=records.metadata_view(app).to_wire(),
        spec=app["spec"],
        status=status,
    ).to_wire()


def _view(app: Obj, deployment: Obj | None) -> dict[str, Any]:
    """What the list rules read of an application (name, labels, timestamps, its job's
    state), without rendering it: only the page's applications are rendered."""
    meta = app["metadata"]
    status = (
        deployment.get("status") if deployment is not None and owned_by(deployment, app) else None
    )
    return {
        "metadata": {
            "name": meta["name"],
            "labels": meta.get("labels") or None,
            "creationTimestamp": meta.get("creationTimestamp"),
            "updateTimestamp": records.updated_at(app),
        },
        "status": status,
    }


def _check_spec_types(name: str, spec: dict[str, Any]) -> None:
    """The user's own spec must be well-typed before the defaults could hide a mistake."""
    try:
        FlinkDeploymentSpec.model_validate(spec)
    except ValidationError as exc:
        problems = requests.describe(exc).replace("; ", "; spec.")
        raise ValidationFailed(f'{KIND} "{name}" is invalid: spec.{problems}') from None


def _draft(
    env: Obj,
    name: str,
    spec: dict[str, Any],
    labels: dict[str, str],
    annotations: dict[str, str],
    existing: Obj | None,
) -> Obj:
    """The record as it will be written (uid unknown for a new one: admission ignores it)."""
    draft = records.record(
        kinds.APPLICATION,
        env["metadata"]["name"],
        name,
        spec,
        labels=labels,
        annotations=annotations,
    )
    draft["metadata"]["uid"] = existing["metadata"]["uid"] if existing else "to-be-assigned"
    return draft


def _with_job(app: Obj) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = copy.deepcopy(app["spec"])
    job = spec.setdefault("job", {})
    if not isinstance(job, dict):
        raise ValidationFailed(
            f'{KIND} "{app["metadata"]["name"]}" is invalid: spec.job: must be a map'
        )
    return spec, job


def _labels(app: Obj) -> tuple[dict[str, str], dict[str, str]]:
    meta = app["metadata"]
    return dict(meta.get("labels") or {}), dict(meta.get("annotations") or {})


def _deployed(deployment: Obj | None) -> bool:
    """Whether the controller has deployed a spec of this deployment (FKO's lastReconciledSpec)."""
    status = (deployment or {}).get("status") or {}
    return bool((status.get("reconciliationStatus") or {}).get("lastReconciledSpec"))
