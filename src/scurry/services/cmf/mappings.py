"""Environment secret mappings: a connection secret id (the mapping's name) -> a secret."""

from __future__ import annotations

from typing import Any

from scurry.errors import InvalidInput, NotFound
from scurry.models.cmf import EnvironmentSecretMapping, SecretMappingRequest, SecretMappingSpec
from scurry.ports import Obj
from scurry.services.cmf import kinds, lookup, names, records, requests
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, v2_rules

KIND = "EnvironmentSecretMapping"
RULES: ListRules = v2_rules()


async def create(ctx: CmfContext, env: str, body: Any) -> dict[str, Any]:
    await lookup.environment(ctx, env)
    parsed = _parsed(body)
    name = names.check_name(parsed.metadata.name)
    secret = await _secret_name(ctx, parsed)
    obj = records.record(
        kinds.SECRET_MAPPING,
        env,
        name,
        {"secretName": secret},
        labels=parsed.metadata.labels,
        annotations=parsed.metadata.annotations,
    )
    return render(await records.create(ctx.cmf, obj, ctx.now(), KIND))


async def update(ctx: CmfContext, env: str, name: str, body: Any) -> dict[str, Any]:
    stored = await _get(ctx, env, name)
    parsed = _parsed(body)
    requests.check_same_name(name, parsed.metadata.name)
    secret = await _secret_name(ctx, parsed)
    meta = parsed.metadata
    written = await records.replace(
        ctx.cmf,
        stored,
        {"secretName": secret},
        ctx.now(),
        labels=meta.labels,
        annotations=meta.annotations,
    )
    return render(written)


async def get(ctx: CmfContext, env: str, name: str) -> dict[str, Any]:
    return render(await _get(ctx, env, name))


async def page(ctx: CmfContext, env: str, query: ListQuery) -> dict[str, Any]:
    await lookup.environment(ctx, env)
    stored = await ctx.cmf.list(kinds.SECRET_MAPPING, env)
    return page_of([render(m) for m in stored], query, RULES)


async def delete(ctx: CmfContext, env: str, name: str) -> None:
    await _get(ctx, env, name)
    await ctx.cmf.delete(kinds.SECRET_MAPPING, env, name)


def render(stored: Obj) -> dict[str, Any]:
    return EnvironmentSecretMapping(
        metadata=records.metadata_view(stored),
        spec=SecretMappingSpec(secret_name=stored["spec"]["secretName"]),
    ).to_wire()


def _parsed(body: Any) -> SecretMappingRequest:
    parsed = requests.parse(SecretMappingRequest, body)
    requests.check_kind(parsed.kind, KIND)
    return parsed


async def _secret_name(ctx: CmfContext, parsed: SecretMappingRequest) -> str:
    secret = names.check_reference(parsed.spec.secret_name, "spec.secretName")
    if await records.find(ctx.cmf, kinds.SECRET, kinds.GLOBAL, secret) is None:
        raise InvalidInput(f'spec.secretName: Secret "{secret}" does not exist')
    return secret


async def _get(ctx: CmfContext, env: str, name: str) -> Obj:
    await lookup.environment(ctx, env)
    found = await records.find(ctx.cmf, kinds.SECRET_MAPPING, env, name)
    if found is None:
        raise NotFound(f'{KIND} "{name}" not found in Environment "{env}"')
    return found
