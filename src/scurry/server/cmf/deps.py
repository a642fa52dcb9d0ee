"""What the CMF routes declare once: the services' context, list parameters, bodies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from scurry import __version__
from scurry.server.cmf.media import read_body
from scurry.server.deps import ContainerDep
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery


def cmf_context(container: ContainerDep) -> CmfContext:
    return CmfContext(
        cmf=container.store,
        fko=container.store,
        runtime=container.runtime,
        control=lambda: container.control,
        now=container.now,
        box=container.secret_box,
        admission=container.settings.admission_validation,
        version=__version__,
        cluster_name=container.runtime.name,
        connectors_dir=container.settings.connectors_path,
    )


CmfDep = Annotated[CmfContext, Depends(cmf_context)]


async def request_body(request: Request, container: ContainerDep) -> Any:
    return await read_body(request, container.settings.cmf_max_body_bytes)


BodyDep = Annotated[Any, Depends(request_body)]

PageParam = Annotated[int | None, Query(description="Zero-based page index (0..N)")]
SizeParam = Annotated[int | None, Query(description="The size of the page to be returned")]
SortParam = Annotated[list[str] | None, Query(description="property,(asc|desc); repeatable")]
FilterParam = Annotated[str | None, Query()]
SearchParam = Annotated[str | None, Query()]
ScopeParam = Annotated[str | None, Query(alias="searchScope")]
FieldsParam = Annotated[str | None, Query()]
IncludeParam = Annotated[bool, Query(alias="include-resource-information")]
ForceParam = Annotated[bool, Query()]


def paging(page: PageParam = None, size: SizeParam = None, sort: SortParam = None) -> ListQuery:
    """page, size and sort: what every list takes."""
    return ListQuery.of(page, size, sort)


def listing(
    page: PageParam = None,
    size: SizeParam = None,
    sort: SortParam = None,
    filter: FilterParam = None,
    fields: FieldsParam = None,
) -> ListQuery:
    """paging plus filter and sparse fields."""
    return ListQuery.of(page, size, sort, filter=filter, fields=fields)


def searching(
    page: PageParam = None,
    size: SizeParam = None,
    sort: SortParam = None,
    filter: FilterParam = None,
    search: SearchParam = None,
    search_scope: ScopeParam = None,
    fields: FieldsParam = None,
) -> ListQuery:
    """listing plus search and searchScope (both or neither)."""
    return ListQuery.of(page, size, sort, filter, search, search_scope, fields)


PagingDep = Annotated[ListQuery, Depends(paging)]
ListingDep = Annotated[ListQuery, Depends(listing)]
SearchingDep = Annotated[ListQuery, Depends(searching)]
