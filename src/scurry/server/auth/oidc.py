"""OIDC bearer tokens: JWTs signed by the issuer's keys (a JWKS), checked for issuer,
audience, algorithm, expiry and not-before (with a small leeway for clock skew)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from scurry.server.auth.jwks import JwksSource
from scurry.server.auth.principal import InvalidCredentials, Principal

# PyJWT's exceptions in the words a client gets back (most specific first).
REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidAudienceError, "the token is not for this audience"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim"),
)


@dataclass(frozen=True)
class JwtRules:
    issuer: str
    audience: str
    algorithms: Sequence[str]
    leeway: float = 30.0
    principal_claim: str = "sub"
    groups_claim: str = "groups"


class JwtVerifier:
    def __init__(self, keys: JwksSource, rules: JwtRules) -> None:
        self.keys, self.rules = keys, rules

    async def principal(self, token: str) -> Principal:
        """The principal a valid token names; anything else is InvalidCredentials."""
        header = self._header(token)
        key = await self.keys.key(header.get("kid"))
        if key.algorithm is not None and key.algorithm != header["alg"]:
            raise InvalidCredentials(
                f"the token is signed with {header['alg']}, its key is for {key.algorithm}"
            )
        claims = self._claims(token, key.key, header["alg"])
        return Principal(self._name(claims), self._groups(claims), "jwt")

    def _header(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidCredentials(f"the bearer token is not a valid JWT ({exc})") from None
        alg = header.get("alg")
        if alg not in self.rules.algorithms:
            allowed = ", ".join(self.rules.algorithms)
            raise InvalidCredentials(f"token algorithm {alg!r} is not allowed (allowed: {allowed})")
        return header

    def _claims(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.rules.audience,
                issuer=self.rules.issuer,
                leeway=self.rules.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidCredentials(_reason(exc)) from None
        return claims

    def _name(self, claims: dict[str, Any]) -> str:
        name = claims.get(self.rules.principal_claim)
        if not isinstance(name, str) or not name:
            raise InvalidCredentials(
                f"the token has no principal: claim {self.rules.principal_claim!r} "
                "must be a non-empty string"
            )
        return name

    def _groups(self, claims: dict[str, Any]) -> frozenset[str]:
        value = claims.get(self.rules.groups_claim)
        if isinstance(value, str):
            return frozenset(value.split())
        if isinstance(value, list):
            return frozenset(g for g in value if isinstance(g, str))
        return frozenset()


def _reason(exc: jwt.PyJWTError) -> str:
    for error_type, reason in REASONS:
        if isinstance(exc, error_type):
            return f"{reason} ({exc})"
    return f"the token is invalid ({exc})"
