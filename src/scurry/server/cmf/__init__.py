"""The CMF-compatible API: /cmf/api/v1 (and /cmf/api/v1alpha1 for application events)."""

from __future__ import annotations

from fastapi import APIRouter

from scurry.server.cmf import (
    applications,
    catalogs,
    environments,
    events,
    savepoints,
    secrets,
    sql,
    system,
)

PREFIX = "/cmf/api"
ROUTERS: tuple[APIRouter, ...] = (
    environments.router,
    applications.router,
    events.router,
    savepoints.router,
    secrets.router,
    catalogs.router,
    system.router,
    sql.pools,
    sql.statements,
)
