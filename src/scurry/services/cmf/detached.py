"""Detached savepoints: savepoint paths kept independently of any application.

They are records only: deleting one never deletes files. One made by
detaching an application's savepoint keeps that savepoint's uid, so
`start?startFromSavepointUid=` finds it under the uid it was known by.
"""

from __future__ import annotations

from typing import Any

from scurry.errors import InvalidInput
from scurry.models.cmf import Savepoint, SavepointRequest, SavepointSpec
from scurry.ports import Obj
from scurry.services.cmf import kinds, names, records, requests
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, v2_rules

KIND = "Savepoint"
WHAT = "Detached savepoint"
RULES: ListRules = v2_rules()


async def create(ctx: CmfContext, body: Any) -> dict[str, Any]:
    parsed = requests.parse(SavepointRequest, body)
    if parsed.kind is not None:
        requests.check_kind(parsed.kind, KIND)
    name = names.check_name(parsed.metadata.name)
    if not parsed.spec.path:
        raise InvalidInput("spec.path: required: the path of the savepoint's files")
    spec = parsed.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    obj = records.record(
        kinds.DETACHED_SAVEPOINT,
        kinds.GLOBAL,
        name,
        spec,
        labels=parsed.metadata.labels,
        annotations=parsed.metadata.annotations,
    )
    return render(await records.create(ctx.cmf, obj, ctx.now(), WHAT))


async def keep(ctx: CmfContext, name: str, spec: dict[str, Any], uid: str) -> dict[str, Any]:
    """Record an application's savepoint as detached, under its name and uid."""
    obj = records.record(kinds.DETACHED_SAVEPOINT, kinds.GLOBAL, name, {**spec, "uid": uid})
    return render(await records.create(ctx.cmf, obj, ctx.now(), WHAT))


async def get(ctx: CmfContext, name: str) -> dict[str, Any]:
    return render(await _get(ctx, name))


async def page(ctx: CmfContext, query: ListQuery, name_prefix: str | None = None) -> dict[str, Any]:
    stored = await ctx.cmf.list(kinds.DETACHED_SAVEPOINT, kinds.GLOBAL)
    if name_prefix:
        stored = [s for s in stored if s["metadata"]["name"].startswith(name_prefix)]
    return page_of([render(s) for s in stored], query, RULES)


async def delete(ctx: CmfContext, name: str) -> None:
    await _get(ctx, name)
    await ctx.cmf.delete(kinds.DETACHED_SAVEPOINT, kinds.GLOBAL, name)


def render(stored: Obj) -> dict[str, Any]:
    meta = records.metadata_view(stored)
    meta.uid = stored["spec"].get("uid") or meta.uid
    meta.update_timestamp = None
    return Savepoint(metadata=meta, spec=SavepointSpec.model_validate(stored["spec"])).to_wire()


async def _get(ctx: CmfContext, name: str) -> Obj:
    return await records.get(ctx.cmf, kinds.DETACHED_SAVEPOINT, kinds.GLOBAL, name, WHAT)
