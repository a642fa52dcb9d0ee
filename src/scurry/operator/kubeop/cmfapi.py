"""The management plane's CMF API, as the operator calls it for CFK resources.

The operator does not write CMF records itself: the server owns them (its
database, its validation, its defaults), exactly as for `scurry apply` of a
CFK manifest. Answers other than success become scurry's errors with the
server's own message, so a CR's status says what the server said.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from scurry.errors import Conflict, InvalidInput, NotFound, ScurryError, Unavailable

Obj = dict[str, Any]
ENVIRONMENTS = "/cmf/api/v1/environments"
TIMEOUT = 30.0


class CmfApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, url: str, token: str | None = None, verify: bool | str = True) -> CmfApi:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.AsyncClient(base_url=url, headers=headers, verify=verify, timeout=TIMEOUT)
        return cls(client)

    async def upsert_environment(self, body: Obj) -> Obj:
        return await self._json("POST", ENVIRONMENTS, body)

    async def upsert_application(self, environment: str, body: Obj) -> Obj:
        return await self._json("POST", f"{_environment(environment)}/applications", body)

    async def delete_environment(self, name: str) -> None:
        await self._gone(_environment(name))

    async def delete_application(self, environment: str, name: str) -> None:
        await self._gone(f"{_environment(environment)}/applications/{quote(name, safe='')}")

    async def close(self) -> None:
        await self.client.aclose()

    async def _gone(self, path: str) -> None:
        try:
            await self._send("DELETE", path, None)
        except NotFound:
            return

    async def _json(self, method: str, path: str, body: Obj | None) -> Obj:
        answer: Obj = (await self._send(method, path, body)).json()
        return answer

    async def _send(self, method: str, path: str, body: Obj | None) -> httpx.Response:
        try:
            response = await self.client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise Unavailable(f"the management plane at {self.client.base_url}: {exc}") from exc
        if response.is_success:
            return response
        raise _error(response)


def _environment(name: str) -> str:
    return f"{ENVIRONMENTS}/{quote(name, safe='')}"


def _error(response: httpx.Response) -> ScurryError:
    message = _message(response)
    if response.status_code == 404:
        return NotFound(message)
    if response.status_code == 409:
        return Conflict(message)
    if response.status_code < 500:
        return InvalidInput(message)
    return Unavailable(f"the management plane answered {response.status_code}: {message}")


def _message(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        return "; ".join(str(error.get("message")) for error in errors) or response.text
    except (ValueError, AttributeError):
        return response.text or f"HTTP {response.status_code}"
