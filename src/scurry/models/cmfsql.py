"""CMF's SQL resources on the wire: ComputePool and Statement requests.

Only the shapes are checked here; the rules between fields (a state only on
shared pools, a pool that exists) are the services'.
"""

from __future__ import annotations

from typing import Any, Literal

from scurry.models.cmf import CmfModel, Resource, StringMap


class ComputePoolSpec(CmfModel):
    type: Literal["DEDICATED", "SHARED"]
    state: Literal["RUNNING", "SUSPENDED"] | None = None
    cluster_spec: dict[str, Any]


class ComputePoolRequest(Resource):
    metadata: dict[str, Any]
    spec: ComputePoolSpec


class StartFromSavepoint(CmfModel):
    savepoint_name: str | None = None
    uid: str | None = None
    initial_savepoint_path: str | None = None
    allow_non_restored_state: bool | None = None
    savepoint_redeploy_nonce: int | None = None


class StatementSpec(CmfModel):
    statement: str
    compute_pool_name: str
    properties: StringMap | None = None
    flink_configuration: StringMap | None = None
    parallelism: int | None = None
    stopped: bool | None = None
    start_from_savepoint: StartFromSavepoint | None = None


class StatementRequest(Resource):
    metadata: dict[str, Any]
    spec: StatementSpec
