"""Who is calling: the principal an authenticator vouches for, and how it was vouched for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scurry.errors import Unauthenticated

Method = Literal["token", "jwt", "mtls"]


@dataclass(frozen=True)
class Principal:
    """A caller's name and groups; bindings grant roles to either."""

    name: str
    groups: frozenset[str] = frozenset()
    method: Method = "token"

    def describe(self) -> str:
        groups = f" (groups: {', '.join(sorted(self.groups))})" if self.groups else ""
        return f'"{self.name}"{groups}'


class InvalidCredentials(Unauthenticated):
    """Credentials were presented and do not hold (a bad token, an expired JWT)."""
