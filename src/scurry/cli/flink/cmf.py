"""A small synchronous client of the CMF REST API (`/cmf/api/v1`), as `scurry flink` uses it.

Error answers become `ApiFailure`s carrying the HTTP status and the server's
message (`{"errors": [{"message": ...}]}`, or the body, or the status line),
which the commands wrap in Confluent's wording (`failed to describe
environment "x": ...`). Lists are read page by page until a page comes back
empty, as Confluent's CLI reads them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from scurry.cli.flink.errors import ApiFailure
from scurry.cli.output import spinner

Obj = dict[str, Any]
V1 = "/cmf/api/v1"
V1ALPHA1 = "/cmf/api/v1alpha1"
DEFAULT_PAGE_SIZE = 100


def path(*segments: str, base: str = V1) -> str:
    """`base/seg/seg...`, each segment quoted (names never escape their segment)."""
    return base + "".join(f"/{quote(segment, safe='')}" for segment in segments)


def failure_message(response: httpx.Response) -> str:
    """The server's messages, else its body, else the status line (`404 Not Found`)."""
    try:
        messages = [str(item["message"]) for item in response.json()["errors"]]
    except (ValueError, KeyError, TypeError):
        messages = []
    if messages:
        return "; ".join(messages)
    body = response.text.strip()
    return body[:500] if body else f"{response.status_code} {response.reason_phrase}"


class Cmf:
    """The CMF API of one server, over an `httpx.Client` whose base URL is the server."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    @property
    def url(self) -> str:
        return str(self.http.base_url).rstrip("/")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Cmf:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
    ) -> Any:
        """One call; the decoded answer (None for an empty one), or an `ApiFailure`."""
        try:
            response = self.http.request(method, target, params=params, json=body)
        except httpx.TimeoutException:
            raise ApiFailure(0, f"{self.url} did not answer in time") from None
        except httpx.TransportError as exc:
            raise ApiFailure(0, f"cannot reach {self.url}: {reason(exc)}") from None
        if response.is_error:
            raise ApiFailure(response.status_code, failure_message(response))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiFailure(response.status_code, "the answer is not JSON") from None

    def get(self, target: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self.request("GET", target, params=params)

    def post(self, target: str, body: Any = None, params: Mapping[str, str] | None = None) -> Any:
        return self.request("POST", target, params=params, body=body)

    def put(self, target: str, body: Any) -> Any:
        return self.request("PUT", target, body=body)

    def delete(self, target: str, params: Mapping[str, str] | None = None) -> None:
        self.request("DELETE", target, params=params)

    def exists(self, target: str) -> bool:
        """Whether a GET of `target` succeeds (any failure counts as absent)."""
        try:
            self.get(target)
        except ApiFailure:
            return False
        return True

    def pages(
        self,
        target: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        params: Mapping[str, str] | None = None,
        what: str = "",
    ) -> list[Obj]:
        """Every item of a paged list (see `walk_pages`)."""

        def fetch(page: int, size: int) -> Any:
            return self.get(target, {**(params or {}), "page": page, "size": size})

        return walk_pages(fetch, page_size, what)


def walk_pages(fetch: Callable[[int, int], Any], page_size: int, what: str = "") -> list[Obj]:
    """The items of pages 0, 1, 2, ... (`fetch(page, size)`) until one comes back empty.

    A server that ignores `page` would repeat its first page forever; a page
    equal to the one before ends the walk instead.
    """
    size = page_size if page_size > 0 else DEFAULT_PAGE_SIZE
    items: list[Obj] = []
    previous: list[Obj] | None = None
    with spinner(f"Listing {what or 'resources'}") as progress:
        for page in itertools.count():
            progress(f"page {page + 1}, {len(items)} so far")
            answer = fetch(page, size)
            found = list(answer.get("items") or []) if isinstance(answer, dict) else []
            if not found or found == previous:
                break
            items.extend(found)
            previous = found
    return items


def reason(exc: httpx.TransportError) -> str:
    """The innermost cause of a transport failure, in a few words."""
    cause: BaseException = exc
    while (inner := cause.__cause__ or cause.__context__) is not None:
        cause = inner
    text = str(cause) or type(cause).__name__
    return text.split("] ", 1)[-1]
