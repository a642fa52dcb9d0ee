"""Who sent a request: a bearer token (a static token or an OIDC JWT) or a client certificate.

On the dashboard's paths the token may come from its cookie instead of the header.

A bearer token, when sent, decides (a bad one is refused even over mTLS); static
tokens are looked up first, then anything shaped like a JWT is verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import Scope

from scurry.errors import Unauthenticated
from scurry.server.auth.dashboard import cookie_token
from scurry.server.auth.mtls import client_certificate, principal_of
from scurry.server.auth.oidc import JwtVerifier
from scurry.server.auth.principal import InvalidCredentials, Principal
from scurry.server.auth.tokens import TokenTable


@dataclass
class Authenticator:
    tokens: TokenTable | None = None
    jwt: JwtVerifier | None = None
    mtls_field: str | None = None  # set when client certificates authenticate

    async def principal(self, scope: Scope) -> Principal:
        authorization = Headers(scope=scope).get("authorization")
        token = cookie_token(scope) if authorization is None else None
        if token is not None:
            authorization = f"Bearer {token}"
        if authorization is not None:
            return await self._bearer(authorization)
        if self.mtls_field is not None:
            cert = client_certificate(scope)
            if cert is not None:
                found = principal_of(cert, self.mtls_field)
                if found is None:
                    raise InvalidCredentials(
                        f"the client certificate's subject has no {self.mtls_field}"
                    )
                return found
        raise Unauthenticated(f"authentication required: {self._how()}")

    async def _bearer(self, authorization: str) -> Principal:
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise InvalidCredentials("the Authorization header must be 'Bearer <token>'")
        if self.tokens is not None:
            found = self.tokens.principal(token)
            if found is not None:
                return found
        if self.jwt is not None and token.count(".") == 2:
            return await self.jwt.principal(token)
        raise InvalidCredentials("the bearer token is not valid here")

    def _how(self) -> str:
        ways = []
        if self.tokens is not None or self.jwt is not None:
            ways.append("a bearer token (Authorization: Bearer <token>)")
        if self.mtls_field is not None:
            ways.append("a client certificate")
        return " or ".join(ways) or "no way is configured"
