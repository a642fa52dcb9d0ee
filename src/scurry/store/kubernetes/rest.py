"""JSON over the Kubernetes REST API, through the `kubernetes` client's connection.

The client's `ApiClient` brings what a cluster connection needs (kubeconfig or
in-cluster credentials, TLS, token refresh); this module only sends paths and
JSON, so one code path serves custom resources and core kinds alike. Calls
block: the store runs them on its worker threads. Answers other than success
become scurry's errors, worded as the API server words them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from scurry.errors import Conflict, InvalidInput, NotFound, RuntimeFailure, ScurryError, Unavailable
from scurry.store.apierrors import WatchExpired

Query = Sequence[tuple[str, str]]
JSON = "application/json"
REQUEST_TIMEOUT = 60.0


class AlreadyExists(Conflict):
    """A create found the name taken (a 409 with reason AlreadyExists)."""


class KubeRest:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @property
    def host(self) -> str:
        return str(self.client.configuration.host)

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Query = (),
        body: Any = None,
        content_type: str = JSON,
    ) -> Any:
        """Send one request and return the decoded JSON answer."""
        response = self._send(method, path, query, body, content_type, REQUEST_TIMEOUT)
        try:
            data = response.data
        finally:
            response.release_conn()
        return json.loads(data) if data else None

    def open_stream(self, path: str, query: Query, read_timeout: float) -> urllib3.HTTPResponse:
        """A watch: the open response, to be read line by line (`lines`) and closed."""
        response: urllib3.HTTPResponse = self._send(
            "GET", path, query, None, JSON, (REQUEST_TIMEOUT, read_timeout)
        )
        return response

    def _send(
        self,
        method: str,
        path: str,
        query: Query,
        body: Any,
        content_type: str,
        timeout: float | tuple[float, float],
    ) -> Any:
        try:
            return self.client.call_api(
                path,
                method,
                query_params=list(query),
                header_params={"Accept": JSON, "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
        except ApiException as exc:
            raise error_of(exc.status, exc.body, f"{method} {path}") from None
        except urllib3.exceptions.HTTPError as exc:
            raise Unavailable(f"the Kubernetes API at {self.host}: {exc}") from exc

    def close(self) -> None:
        self.client.close()


def lines(response: urllib3.HTTPResponse) -> Iterator[str]:
    """The newline-delimited JSON lines of a streamed answer, as they arrive."""
    buffer = b""
    for chunk in response.stream(amt=None, decode_content=False):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                yield line.decode("utf-8", errors="replace")


def error_of(code: int | None, body: Any, what: str) -> ScurryError:
    """The scurry error for an API server's answer (a `Status` in `body`, when it sent one)."""
    status = _status(body)
    message = str(status.get("message") or f"{what}: HTTP {code}")
    reason = status.get("reason")
    if code == 404:
        return NotFound(message)
    if code == 409:
        return AlreadyExists(message) if reason == "AlreadyExists" else Conflict(message)
    if code == 410:
        return WatchExpired(message)
    if code in (400, 422):
        return InvalidInput(message)
    if code in (401, 403):
        return RuntimeFailure(f"the Kubernetes API refused {what}: {message}")
    return Unavailable(f"the Kubernetes API answered {code} to {what}: {message}")


def _status(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    return body if isinstance(body, dict) else {}
