"""The signing keys of an OIDC issuer, from a JWKS file or URL, cached.

Keys are loaded on first use and again when they are older than `max_age`, or
when a token names a key id the cache does not know (the issuer rotated its
keys) but at most once per `min_refresh` seconds, so a stream of made-up key
ids cannot turn into a stream of requests to the issuer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

from scurry.errors import Unavailable
from scurry.server.auth.principal import InvalidCredentials

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 5.0


@dataclass(frozen=True)
class SigningKey:
    """One verification key; `algorithm` is set when the JWK pins one (`alg`)."""

    kid: str | None
    key: Any
    algorithm: str | None


def parse_jwks(data: object) -> dict[str | None, SigningKey]:
    """The signature keys of a JWKS document by key id; encryption keys are left out."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError('a JWKS is an object with a "keys" list')
    keys: dict[str | None, SigningKey] = {}
    for jwk in data["keys"]:
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        try:
            parsed = jwt.PyJWK(jwk)
        except jwt.PyJWTError as exc:
            log.warning("skipping JWK %r: %s", jwk.get("kid"), exc)
            continue
        kid = jwk.get("kid") if isinstance(jwk.get("kid"), str) else None
        keys[kid] = SigningKey(kid, parsed.key, jwk.get("alg"))
    if not keys:
        raise ValueError("the JWKS holds no usable signature key")
    return keys


class JwksSource:
    def __init__(
        self,
        *,
        file: Path | None = None,
        url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: Any = True,
        min_refresh: float = 10.0,
        max_age: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (file is None) == (url is None):
            raise ValueError("a JWKS comes from exactly one of a file and a URL")
        self.file, self.url = file, url
        self._transport, self._verify = transport, verify
        self.min_refresh, self.max_age, self._clock = min_refresh, max_age, clock
        self._keys: dict[str | None, SigningKey] = {}
        self._loaded_at: float | None = None
        self._tried_at: float | None = None
        self._error = "not loaded yet"
        self._lock = asyncio.Lock()
        self.loads = 0

    @property
    def where(self) -> str:
        return str(self.file or self.url)

    async def key(self, kid: str | None) -> SigningKey:
        """The key a token names (or the only key, for a token without `kid`)."""
        now = self._clock()
        stale = self._loaded_at is None or now - self._loaded_at >= self.max_age
        if (stale or self._lookup(kid) is None) and self._may_retry(now):
            await self._refresh()
        if not self._keys:
            raise Unavailable(f"cannot load the signing keys from {self.where}: {self._error}")
        found = self._lookup(kid)
        if found is None:
            raise InvalidCredentials(
                f"the token is signed with a key the issuer does not publish (kid {kid!r})"
                if kid is not None
                else "the token names no key (kid) and the issuer publishes several"
            )
        return found

    def _lookup(self, kid: str | None) -> SigningKey | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def _may_retry(self, now: float) -> bool:
        return self._tried_at is None or now - self._tried_at >= self.min_refresh

    async def _refresh(self) -> None:
        seen = self._tried_at
        async with self._lock:
            if self._tried_at != seen:  # another request refreshed while this one waited
                return
            self._tried_at = self._clock()
            try:
                keys = parse_jwks(await self._document())
            except (OSError, ValueError, httpx.HTTPError) as exc:
                self._error = str(exc) or type(exc).__name__
                log.warning("signing keys from %s not refreshed: %s", self.where, self._error)
                return
            self._keys, self._loaded_at = keys, self._tried_at
            self.loads += 1

    async def _document(self) -> object:
        if self.file is not None:
            return json.loads(self.file.read_text(encoding="utf-8"))
        assert self.url is not None
        async with httpx.AsyncClient(
            transport=self._transport, verify=self._verify, timeout=FETCH_TIMEOUT
        ) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            return response.json()
