"""What the caller may see and do, as the server's auth middleware tells the pages.

The middleware leaves its answer in `request.state.permissions`; without
authentication there is none and everything is allowed, as on the API.
"""

from __future__ import annotations

from typing import Literal, Protocol

from starlette.requests import Request

Level = Literal["read", "write", "manage"]


class Permissions(Protocol):
    @property
    def who(self) -> str: ...

    def in_environment(self, level: Level, environment: str) -> bool: ...

    async def in_namespace(self, level: Level, namespace: str) -> bool: ...

    def cluster(self, level: Level) -> bool: ...


class Everything:
    """Authentication is off: the server answers everyone, so the pages offer everything."""

    who = ""

    def in_environment(self, level: Level, environment: str) -> bool:
        return True

    async def in_namespace(self, level: Level, namespace: str) -> bool:
        return True

    def cluster(self, level: Level) -> bool:
        return True


def permissions(request: Request) -> Permissions:
    found: Permissions | None = getattr(request.state, "permissions", None)
    return found if found is not None else Everything()
