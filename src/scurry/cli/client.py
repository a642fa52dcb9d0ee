"""A small synchronous client of the scurry API, as the CLI needs it.

Error answers (`{"errors": [{"message": ...}]}`) become the `scurry.errors`
type of their status, marked `FromServer` so the CLI can word them as kubectl
does (`Error from server (NotFound): ...`). A server that cannot be reached is
an `Unavailable` that says how to start one.
"""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from scurry.config.settings import Settings
from scurry.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RuntimeFailure,
    ScurryError,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from scurry.models.resources import FLINK_DEPLOYMENT, KindInfo

Obj = dict[str, Any]
DEFAULT_TIMEOUT = 30.0
MERGE_PATCH = "application/merge-patch+json"


class FromServer(ScurryError):
    """An error the server answered with; `reason` is kubectl's word for its status."""

    reason = "InternalError"


class ServerInvalidInput(FromServer, InvalidInput):
    reason = "BadRequest"


class ServerValidationFailed(FromServer, ValidationFailed):
    reason = "Invalid"


class ServerUnauthorized(FromServer, Unauthenticated):
    reason = "Unauthorized"


class ServerForbidden(FromServer, Forbidden):
    reason = "Forbidden"


class ServerNotFound(FromServer, NotFound):
    reason = "NotFound"


class ServerConflict(FromServer, Conflict):
    reason = "Conflict"


class ServerAlreadyExists(ServerConflict):
    reason = "AlreadyExists"


class ServerRuntimeFailure(FromServer, RuntimeFailure):
    reason = "InternalError"


class ServerUnavailable(FromServer, Unavailable):
    reason = "ServiceUnavailable"


_BY_STATUS: dict[int, type[FromServer]] = {
    400: ServerInvalidInput,
    401: ServerUnauthorized,
    403: ServerForbidden,
    404: ServerNotFound,
    409: ServerConflict,
    422: ServerValidationFailed,
    500: ServerRuntimeFailure,
}


def server_message(response: httpx.Response) -> str:
    """The messages of an error answer, or its status line when it has none."""
    try:
        body = response.json()
        messages = [str(item["message"]) for item in body["errors"]]
    except (ValueError, KeyError, TypeError):
        messages = []
    if messages:
        return "; ".join(messages)
    text = response.text.strip().splitlines()
    detail = f": {text[0][:200]}" if text else ""
    return f"{response.status_code} {response.reason_phrase}{detail}"


def error_for(response: httpx.Response) -> FromServer:
    """The typed error for a failed answer, keeping the server's message."""
    status, message = response.status_code, server_message(response)
    error_type = _BY_STATUS.get(status)
    if error_type is None:
        error_type = ServerUnavailable if status >= 500 else ServerInvalidInput
    if error_type is ServerConflict and "already exists" in message:
        error_type = ServerAlreadyExists
    return error_type(message)


def status_error(status: Obj) -> FromServer:
    """The typed error for a watch's ERROR event (a Kubernetes `Status`)."""
    code = status.get("code")
    error_type = _BY_STATUS.get(code if isinstance(code, int) else 500, ServerUnavailable)
    error = error_type(str(status.get("message") or "the watch failed"))
    if isinstance(status.get("reason"), str):
        error.reason = status["reason"]
    return error


def error_line(error: ScurryError) -> str:
    """kubectl's wording: `Error from server (NotFound): ...` for the server's errors."""
    if isinstance(error, FromServer):
        return f"Error from server ({error.reason}): {error.message}"
    return f"error: {error.message}"


def unreachable(base_url: str) -> Unavailable:
    return Unavailable(f"cannot reach the scurry server at {base_url}: is it running? (scurry up)")


@dataclass(frozen=True)
class Credentials:
    """What the CLI shows the server: a bearer token, a client certificate (mTLS); and
    the CA that verifies the server's certificate (default: the system's)."""

    token: str | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    ca: Path | None = None

    @classmethod
    def of(cls, settings: Settings) -> Credentials:
        token = settings.token.get_secret_value() if settings.token else None
        return cls(
            token,
            settings.client_cert_path,
            settings.client_key_path,
            settings.certificate_authority_path,
        )

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def verify(self, url: str) -> ssl.SSLContext | bool:
        """httpx's `verify` for `url`: an SSL context holding the CA and client certificate."""
        if url.startswith("http://"):
            return False  # loading CA certificates costs time that plain http never uses
        try:
            context = (
                ssl.create_default_context(cafile=str(self.ca))
                if self.ca
                else httpx.create_ssl_context(verify=True)
            )
            if self.client_cert is not None:
                key = str(self.client_key) if self.client_key else None
                context.load_cert_chain(str(self.client_cert), key)
        except (OSError, ssl.SSLError) as exc:
            raise InvalidInput(f"cannot load the TLS files of the connection: {exc}") from None
        return context


class ApiClient:
    """The FKO resources, events, logs and health of one scurry server."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        on_response: Callable[[httpx.Response], None] | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        hooks = {"response": [on_response]} if on_response else {}
        credentials = credentials or Credentials()
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            event_hooks=hooks,
            headers=credentials.headers(),
            verify=credentials.verify(self.base_url),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Obj | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        """Send one request; error answers and transport failures raise ScurryErrors."""
        with self._answers():
            if content_type is None:
                response = self._http.request(method, path, params=params, json=body)
            else:
                content = json.dumps(body).encode()
                headers = {"Content-Type": content_type}
                response = self._http.request(
                    method, path, params=params, content=content, headers=headers
                )
        if response.is_error:
            raise error_for(response)
        return response

    @contextlib.contextmanager
    def stream(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[httpx.Response]:
        """A GET whose body is read as it comes, with no read timeout (watches, followed logs)."""
        timeout = httpx.Timeout(DEFAULT_TIMEOUT, read=None)
        with (
            self._answers(),
            self._http.stream("GET", path, params=params, timeout=timeout) as response,
        ):
            if response.is_error:
                response.read()
                raise error_for(response)
            yield response

    @contextlib.contextmanager
    def _answers(self) -> Iterator[None]:
        """Transport failures as ScurryErrors: a timeout, or no server (or it went away)."""
        try:
            yield
        except httpx.TimeoutException:
            raise Unavailable(
                f"the scurry server at {self.base_url} did not answer in time"
            ) from None
        except httpx.RemoteProtocolError:
            raise Unavailable(f"the connection to {self.base_url} was closed") from None
        except httpx.TransportError:
            raise unreachable(self.base_url) from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Obj:
        data: Obj = self.request(method, path, **kwargs).json()
        return data

    def get(self, info: KindInfo, namespace: str, name: str) -> Obj:
        return self._json("GET", object_path(info, namespace, name))

    def list(self, info: KindInfo, namespace: str | None, selector: str | None = None) -> Obj:
        """A `List` of the kind, in one namespace or (None) in all."""
        params = {"labelSelector": selector} if selector else None
        return self._json("GET", collection_path(info, namespace), params=params)

    def create(self, info: KindInfo, namespace: str, obj: Obj, *, dry_run: bool = False) -> Obj:
        params = {"dryRun": "All"} if dry_run else None
        return self._json("POST", collection_path(info, namespace), params=params, body=obj)

    def replace(self, info: KindInfo, obj: Obj, *, dry_run: bool = False) -> Obj:
        meta = obj["metadata"]
        params = {"dryRun": "All"} if dry_run else None
        path = object_path(info, meta["namespace"], meta["name"])
        return self._json("PUT", path, params=params, body=obj)

    def patch(
        self, info: KindInfo, namespace: str, name: str, patch: Obj, *, dry_run: bool = False
    ) -> Obj:
        """A JSON merge patch (RFC 7386) of the object."""
        params = {"dryRun": "All"} if dry_run else None
        path = object_path(info, namespace, name)
        return self._json("PATCH", path, params=params, body=patch, content_type=MERGE_PATCH)

    def delete(self, info: KindInfo, namespace: str, name: str) -> Obj:
        return self._json("DELETE", object_path(info, namespace, name))

    def watch(
        self, info: KindInfo, namespace: str | None, selector: str | None, name: str | None
    ) -> Iterator[Obj]:
        """Watch events: the current objects as ADDED, a BOOKMARK, then every change.

        Ends when the server ends the watch; an ERROR event raises its error.
        """
        params = {"watch": "true", "allowWatchBookmarks": "true"}
        if selector:
            params["labelSelector"] = selector
        if name is not None:
            params["fieldSelector"] = f"metadata.name={name}"
        with self.stream(collection_path(info, namespace), params) as response, self._answers():
            for line in response.iter_lines():
                if not line.strip():
                    continue
                event: Obj = json.loads(line)
                if event.get("type") == "ERROR":
                    raise status_error(event.get("object") or {})
                yield event

    def effective_config(self, info: KindInfo, namespace: str, name: str) -> Obj:
        """The resource's effective Flink configuration: `{"items": [{key, value, source}]}`."""
        return self._json("GET", object_path(info, namespace, name) + "/config")

    def logs(self, namespace: str, name: str, component: str, index: int, tail: int | None) -> str:
        path = object_path(FLINK_DEPLOYMENT, namespace, name) + "/log"
        return self.request("GET", path, params=log_params(component, index, tail)).text

    def follow_logs(
        self, namespace: str, name: str, component: str, index: int, tail: int | None
    ) -> Iterator[str]:
        """The log's last lines, then what is appended, until the deployment is deleted."""
        path = object_path(FLINK_DEPLOYMENT, namespace, name) + "/log"
        params = {**log_params(component, index, tail), "follow": "true"}
        with self.stream(path, params) as response, self._answers():
            yield from response.iter_text()

    def events(self, namespace: str | None, field_selector: str | None = None) -> Obj:
        path = "/api/v1/events"
        if namespace is not None:
            path = f"/api/v1/namespaces/{quote(namespace, safe='')}/events"
        params = {"fieldSelector": field_selector} if field_selector else None
        return self._json("GET", path, params=params)

    def vertices(self, namespace: str, name: str) -> Obj:
        """The deployment's job vertices with their current rates (`scurry top`)."""
        return self._json("GET", object_path(FLINK_DEPLOYMENT, namespace, name) + "/vertices")

    def health(self) -> Obj:
        return self._json("GET", "/healthz")

    def stop_clusters(self) -> None:
        self.request("POST", "/admin/stop-clusters")

    def plan(self, objects: Sequence[Obj]) -> Obj:
        """What applying `objects` would do: `{"items": [...]}`, one per object."""
        body = {"apiVersion": "v1", "kind": "List", "items": [*objects]}
        return self._json(
            "POST", f"/apis/{FLINK_DEPLOYMENT.group}/{FLINK_DEPLOYMENT.version}/plan", body=body
        )


def log_params(component: str, index: int, tail: int | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {"component": component, "index": index}
    if tail is not None:
        params["tailLines"] = tail
    return params


def collection_path(info: KindInfo, namespace: str | None) -> str:
    prefix = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    if namespace is None:
        return f"{prefix}/{info.plural}"
    return f"{prefix}/namespaces/{quote(namespace, safe='')}/{info.plural}"


def object_path(info: KindInfo, namespace: str, name: str) -> str:
    return f"{collection_path(info, namespace)}/{quote(name, safe='')}"
