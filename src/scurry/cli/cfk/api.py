"""The CMF API calls behind CFK manifests, over the CLI's API client (and its errors)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scurry.cli.client import ApiClient
from scurry.cli.flink.cmf import DEFAULT_PAGE_SIZE, walk_pages
from scurry.errors import InvalidInput, NotFound
from scurry.models.cfk import Obj

ENVIRONMENTS = "/cmf/api/v1/environments"


def environment_path(name: str) -> str:
    return f"{ENVIRONMENTS}/{quote(name, safe='')}"


def applications_path(environment: str) -> str:
    return f"{environment_path(environment)}/applications"


def application_path(environment: str, name: str) -> str:
    return f"{applications_path(environment)}/{quote(name, safe='')}"


def _json(client: ApiClient, method: str, path: str, **kwargs: Any) -> Any:
    return client.request(method, path, **kwargs).json()


def _pages(client: ApiClient, path: str, what: str) -> list[Obj]:
    return walk_pages(
        lambda page, size: _json(client, "GET", path, params={"page": page, "size": size}),
        DEFAULT_PAGE_SIZE,
        what,
    )


def environments(client: ApiClient) -> list[Obj]:
    return _pages(client, ENVIRONMENTS, "environments")


def applications(client: ApiClient, environment: str) -> list[Obj]:
    return _pages(client, applications_path(environment), "applications")


def find(client: ApiClient, path: str) -> Obj | None:
    """The object at `path`, or None when there is none."""
    try:
        found: Obj = _json(client, "GET", path)
    except NotFound:
        return None
    return found


def upsert_environment(client: ApiClient, body: Obj) -> Obj:
    result: Obj = _json(client, "POST", ENVIRONMENTS, body=body)
    return result


def upsert_application(client: ApiClient, environment: str, body: Obj) -> Obj:
    result: Obj = _json(client, "POST", applications_path(environment), body=body)
    return result


def delete(client: ApiClient, path: str) -> None:
    client.request("DELETE", path)


def locate_application(client: ApiClient, name: str) -> tuple[str, Obj] | None:
    """The one environment holding an application called `name`, and the application.

    CFK names an application's environment in its spec; by name alone it can be
    in several environments, which is refused rather than guessed.
    """
    holders = []
    for environment in environments(client):
        env_name = str(environment.get("name"))
        found = find(client, application_path(env_name, name))
        if found is not None:
            holders.append((env_name, found))
    if len(holders) > 1:
        names = ", ".join(env for env, _ in holders)
        raise InvalidInput(
            f'FlinkApplication "{name}" exists in several environments ({names}): '
            f"use scurry flink application ... --environment ENV"
        )
    return holders[0] if holders else None
