"""/cmf/api/v1/catalogs/kafka and their databases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import BodyDep, CmfDep, PagingDep
from scurry.server.cmf.media import no_content, respond
from scurry.services.cmf import catalogs, databases

router = APIRouter(prefix="/cmf/api/v1/catalogs/kafka", tags=["SQL"])
DATABASES = "/{cat_name}/databases"


@router.get("")
async def get_kafka_catalogs(request: Request, ctx: CmfDep, query: PagingDep) -> Response:
    return respond(request, await catalogs.page(ctx, query))


@router.post("")
async def create_kafka_catalog(request: Request, ctx: CmfDep, body: BodyDep) -> Response:
    return respond(request, await catalogs.create(ctx, body))


@router.get("/{cat_name}")
async def get_kafka_catalog(request: Request, cat_name: str, ctx: CmfDep) -> Response:
    return respond(request, await catalogs.get(ctx, cat_name))


@router.put("/{cat_name}")
async def update_kafka_catalog(cat_name: str, ctx: CmfDep, body: BodyDep) -> Response:
    await catalogs.update(ctx, cat_name, body)
    return updated()


@router.delete("/{cat_name}")
async def delete_kafka_catalog(cat_name: str, ctx: CmfDep) -> Response:
    await catalogs.delete(ctx, cat_name)
    return no_content()


@router.get(DATABASES)
async def get_kafka_databases(
    request: Request, cat_name: str, ctx: CmfDep, query: PagingDep
) -> Response:
    return respond(request, await databases.page(ctx, cat_name, query))


@router.post(DATABASES)
async def create_kafka_database(
    request: Request, cat_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await databases.create(ctx, cat_name, body))


@router.get(DATABASES + "/{db_name}")
async def get_kafka_database(
    request: Request, cat_name: str, db_name: str, ctx: CmfDep
) -> Response:
    return respond(request, await databases.get(ctx, cat_name, db_name))


@router.put(DATABASES + "/{db_name}")
async def update_kafka_database(
    cat_name: str, db_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    await databases.update(ctx, cat_name, db_name, body)
    return updated()


@router.delete(DATABASES + "/{db_name}")
async def delete_kafka_database(cat_name: str, db_name: str, ctx: CmfDep) -> Response:
    await databases.delete(ctx, cat_name, db_name)
    return no_content()


def updated() -> Response:
    """200 without a body: the spec declares none for these updates."""
    return Response(status_code=200)
