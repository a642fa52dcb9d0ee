"""Kubernetes clusters, system information and resource information."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import BodyDep, CmfDep, ListingDep
from scurry.server.cmf.media import respond
from scurry.services.cmf import clusters, info

router = APIRouter(prefix="/cmf/api/v1", tags=["CMFInformation"])


@router.get("/kubernetes-clusters")
async def get_kubernetes_clusters(request: Request, ctx: CmfDep, query: ListingDep) -> Response:
    return respond(request, await clusters.page(ctx, query))


@router.get("/kubernetes-clusters/{cluster_name}")
async def get_kubernetes_cluster(request: Request, cluster_name: str, ctx: CmfDep) -> Response:
    return respond(request, await clusters.get(ctx, cluster_name))


@router.put("/kubernetes-clusters/{cluster_name}")
async def update_kubernetes_cluster(
    request: Request, cluster_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await clusters.update(ctx, cluster_name, body))


@router.get("/system-information")
async def get_system_information(request: Request, ctx: CmfDep) -> Response:
    return respond(request, info.system(ctx))


@router.get("/resource-information")
async def get_resource_information(request: Request, ctx: CmfDep) -> Response:
    return respond(request, await info.resources(ctx))
