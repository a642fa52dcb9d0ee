"""JSON over the Kubernetes API for the few kinds a cluster is made of.

The `kubernetes` client's `ApiClient` brings the connection (kubeconfig or
in-cluster credentials, TLS, token refresh); this module sends paths and JSON
so that one code path serves every kind. Calls block: the runtime runs them in
worker threads. An answer other than success becomes one of scurry's errors,
worded as the API server words it: 404 NotFound, 409 Conflict, 400/422
InvalidInput, 401/403 and quota refusals RuntimeFailure, the rest Unavailable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from scurry.errors import Conflict, InvalidInput, NotFound, RuntimeFailure, ScurryError, Unavailable

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
TIMEOUT = 30.0
Query = Sequence[tuple[str, str]]


class AlreadyExists(Conflict):
    """A create found the name taken (409, reason AlreadyExists)."""


@dataclass(frozen=True)
class Kind:
    api_version: str
    plural: str

    def path(self, namespace: str, name: str | None = None) -> str:
        group_version = self.api_version
        root = f"/api/{group_version}" if "/" not in group_version else f"/apis/{group_version}"
        path = f"{root}/namespaces/{quote(namespace, safe='')}/{self.plural}"
        return f"{path}/{quote(name, safe='')}" if name is not None else path


KINDS: dict[str, Kind] = {
    "ConfigMap": Kind("v1", "configmaps"),
    "Service": Kind("v1", "services"),
    "Pod": Kind("v1", "pods"),
    "Deployment": Kind("apps/v1", "deployments"),
    "Role": Kind("rbac.authorization.k8s.io/v1", "roles"),
    "RoleBinding": Kind("rbac.authorization.k8s.io/v1", "rolebindings"),
    "Ingress": Kind("networking.k8s.io/v1", "ingresses"),
}


def path_of(obj: Mapping[str, Any], *, named: bool = True) -> str:
    meta = obj["metadata"]
    return KINDS[obj["kind"]].path(meta["namespace"], meta["name"] if named else None)


class KubeApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @property
    def host(self) -> str:
        return str(self.client.configuration.host)

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query = (),
        body: Any = None,
        content_type: str = JSON,
    ) -> Any:
        """Send one request; the decoded JSON answer, or a scurry error."""
        data = self._send(method, path, query, body, content_type)
        return json.loads(data) if data else None

    def text(self, path: str, *, query: Query = ()) -> str:
        """A GET whose answer is text (a pod's log)."""
        return self._send("GET", path, query, None, JSON).decode("utf-8", errors="replace")

    def _send(self, method: str, path: str, query: Query, body: Any, content_type: str) -> bytes:
        try:
            response = self.client.call_api(
                path,
                method,
                query_params=list(query),
                header_params={"Accept": JSON, "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=TIMEOUT,
            )
        except ApiException as exc:
            raise error_of(exc.status or 0, _bytes(exc.body), f"{method} {path}") from None
        except urllib3.exceptions.HTTPError as exc:
            raise Unavailable(f"the Kubernetes API at {self.host}: {exc}") from exc
        try:
            return bytes(response.data or b"")
        finally:
            response.release_conn()

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.request("GET", KINDS[kind].path(namespace, name))
        except NotFound:
            return None
        return found

    def list(self, kind: str, namespace: str, selector: str) -> list[dict[str, Any]]:
        answer = self.request(
            "GET", KINDS[kind].path(namespace), query=[("labelSelector", selector)]
        )
        return list((answer or {}).get("items") or [])

    def delete(self, kind: str, namespace: str, name: str, *, foreground: bool = False) -> bool:
        """Delete one object; False when it was already gone."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if foreground:
            body["propagationPolicy"] = "Foreground"
        try:
            self.request("DELETE", KINDS[kind].path(namespace, name), body=body)
        except NotFound:
            return False
        return True

    def close(self) -> None:
        self.client.close()


def _bytes(body: Any) -> bytes | None:
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body) if isinstance(body, bytes | bytearray) else None


def error_of(code: int, data: bytes | None, what: str) -> ScurryError:
    """The scurry error for an API server's answer (its `Status` message when it sent one)."""
    status: dict[str, Any] = {}
    try:
        decoded = json.loads(data) if data else {}
        status = decoded if isinstance(decoded, dict) else {}
    except ValueError:
        pass
    message = str(status.get("message") or f"{what}: HTTP {code}")
    if code == 404:
        return NotFound(message)
    if code == 409:
        return (
            AlreadyExists(message) if status.get("reason") == "AlreadyExists" else Conflict(message)
        )
    if code in (400, 422):
        return InvalidInput(message)
    if code in (401, 403):
        return RuntimeFailure(f"the Kubernetes API refused {what}: {message}")
    return Unavailable(f"the Kubernetes API answered {code} to {what}: {message}")
