"""core/v1 ConfigMaps and Secrets: /api/v1/namespaces/{namespace}/configmaps|secrets.

The handlers are those of the FKO kinds (`scurry.server.resources`: create,
get, list and watch, replace, merge patch, delete, dry runs); `kind_of`
tells the groups apart by the URL's prefix, so `/api/v1/.../flinkdeployments`
and `/apis/flink.apache.org/.../configmaps` are both 404. Secrets are
returned as Kubernetes returns them (`data` in base64); the store seals
their values at rest.
"""

from __future__ import annotations

from fastapi import APIRouter

from scurry.server import resources

router = APIRouter(prefix=resources.CORE_PREFIX, tags=["core/v1"])

router.add_api_route("/{plural}", resources.list_all, methods=["GET"], response_model=None)
router.add_api_route(
    "/namespaces/{namespace}/{plural}",
    resources.list_namespaced,
    methods=["GET"],
    response_model=None,
)
router.add_api_route(
    "/namespaces/{namespace}/{plural}", resources.create, methods=["POST"], status_code=201
)
for method, handler in (
    ("GET", resources.get),
    ("PUT", resources.replace),
    ("PATCH", resources.patch),
    ("DELETE", resources.delete),
):
    router.add_api_route("/namespaces/{namespace}/{plural}/{name}", handler, methods=[method])
