"""Secrets: sealed with AES-GCM before they reach the store, never answered in clear.

Each value is sealed with the installation's key and bound to the secret's
name and key, so the database holds no secret in clear and a sealed value
cannot be moved to another secret. Answers show every value as `****`.
`status.version` is the record's generation (it goes up with every update);
`status.environments` lists the environments whose mappings name the secret.
A secret that a mapping names cannot be deleted (409).
"""

from __future__ import annotations

from typing import Any

from scurry.errors import Conflict, InvalidInput
from scurry.models.cmf import MASK, Secret, SecretRequest, SecretSpec, SecretStatus
from scurry.ports import Obj
from scurry.services.cmf import kinds, names, records, requests
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, path_getter, v2_rules

KIND = "Secret"
RULES: ListRules = v2_rules(
    search_scopes={
        "name": path_getter("metadata.name"),
        "environments": path_getter("status.environments"),
    }
)


async def create(ctx: CmfContext, body: Any) -> dict[str, Any]:
    parsed = _parsed(body)
    name = names.check_name(parsed.metadata.name)
    sealed = _sealed(ctx, name, parsed.spec.data)
    obj = records.record(
        kinds.SECRET,
        kinds.GLOBAL,
        name,
        {"data": sealed},
        labels=parsed.metadata.labels,
        annotations=parsed.metadata.annotations,
    )
    written = await records.create(ctx.cmf, obj, ctx.now(), KIND)
    return render(written, [])


async def update(ctx: CmfContext, name: str, body: Any) -> dict[str, Any]:
    stored = await _get(ctx, name)
    parsed = _parsed(body)
    requests.check_same_name(name, parsed.metadata.name)
    sealed = _sealed(ctx, name, parsed.spec.data)
    meta = parsed.metadata
    written = await records.replace(
        ctx.cmf,
        stored,
        {"data": sealed},
        ctx.now(),
        labels=meta.labels,
        annotations=meta.annotations,
    )
    return render(written, await environments_using(ctx, name))


async def get(ctx: CmfContext, name: str) -> dict[str, Any]:
    return render(await _get(ctx, name), await environments_using(ctx, name))


async def page(ctx: CmfContext, query: ListQuery) -> dict[str, Any]:
    users = await _users(ctx)
    stored = await ctx.cmf.list(kinds.SECRET, kinds.GLOBAL)
    items = [render(s, users.get(s["metadata"]["name"], [])) for s in stored]
    return page_of(items, query, RULES)


async def delete(ctx: CmfContext, name: str) -> None:
    await _get(ctx, name)
    users = await environments_using(ctx, name)
    if users:
        raise Conflict(
            f'Secret "{name}" is mapped in environments {", ".join(users)}: delete those '
            "secret mappings first"
        )
    await ctx.cmf.delete(kinds.SECRET, kinds.GLOBAL, name)


async def plaintext(ctx: CmfContext, name: str) -> dict[str, str]:
    """The secret's data in clear, for the services that hand it to Flink (never to users)."""
    stored = await _get(ctx, name)
    return {
        key: ctx.box.open(value, context=_context(name, key))
        for key, value in (stored["spec"].get("data") or {}).items()
    }


async def environments_using(ctx: CmfContext, name: str) -> list[str]:
    return (await _users(ctx)).get(name, [])


async def _users(ctx: CmfContext) -> dict[str, list[str]]:
    """Secret name -> the environments whose mappings name it."""
    users: dict[str, set[str]] = {}
    for mapping in await ctx.cmf.list(kinds.SECRET_MAPPING):
        secret = mapping["spec"].get("secretName")
        users.setdefault(secret, set()).add(mapping["metadata"]["namespace"])
    return {secret: sorted(envs) for secret, envs in users.items()}


def render(stored: Obj, environments: list[str]) -> dict[str, Any]:
    data = stored["spec"].get("data") or {}
    return Secret(
        metadata=records.metadata_view(stored),
        spec=SecretSpec(data=dict.fromkeys(data, MASK)),
        status=SecretStatus(
            version=str(stored["metadata"].get("generation", 1)), environments=environments
        ),
    ).to_wire()


def _parsed(body: Any) -> SecretRequest:
    parsed = requests.parse(SecretRequest, body)
    requests.check_kind(parsed.kind, KIND)
    return parsed


def _sealed(ctx: CmfContext, name: str, data: dict[str, str] | None) -> dict[str, str]:
    if not data:
        raise InvalidInput("spec.data: must hold at least one key and value")
    if any(not key for key in data):
        raise InvalidInput("spec.data: keys must not be empty")
    return {key: ctx.box.seal(value, context=_context(name, key)) for key, value in data.items()}


def _context(name: str, key: str) -> str:
    return f"cmf-secret/{name}/{key}"


async def _get(ctx: CmfContext, name: str) -> Obj:
    return await records.get(ctx.cmf, kinds.SECRET, kinds.GLOBAL, name, KIND)
