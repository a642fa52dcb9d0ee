"""Authentication (static tokens, OIDC JWTs, mTLS) and role-based access on every route.

Off unless configured: then the server answers everyone, and listens on loopback
only (`exposure`). `install` puts the middleware around an app built with
authentication settings.
"""

from __future__ import annotations

from fastapi import FastAPI

from scurry.config.settings import Settings
from scurry.errors import InvalidInput
from scurry.ports import ResourceStore
from scurry.server.auth.authenticate import Authenticator
from scurry.server.auth.environments import EnvironmentIndex
from scurry.server.auth.jwks import JwksSource
from scurry.server.auth.middleware import AuthMiddleware
from scurry.server.auth.oidc import JwtRules, JwtVerifier
from scurry.server.auth.rbac import Bindings
from scurry.server.auth.tokens import TokenTable

__all__ = ["authenticator", "install"]


def install(app: FastAPI, settings: Settings, store: ResourceStore) -> None:
    """Guard every route of `app` when authentication is configured (else do nothing)."""
    if not settings.auth_enabled:
        return
    if settings.auth_bindings_file is None:
        raise InvalidInput(
            "authentication is on but no bindings file is set (SCURRY_AUTH_BINDINGS_FILE, "
            "--bindings-file): without bindings nobody could do anything"
        )
    app.add_middleware(
        AuthMiddleware,
        authenticator=authenticator(settings),
        bindings=Bindings(settings.auth_bindings_file),
        environments=EnvironmentIndex(store),
    )


def authenticator(settings: Settings) -> Authenticator:
    tokens = TokenTable(settings.auth_tokens_file) if settings.auth_tokens_file else None
    mtls = settings.auth_mtls_principal_field if settings.tls_client_ca_file else None
    if settings.tls_client_ca_file and settings.tls_cert_file is None:
        raise InvalidInput(
            "client certificates need TLS: set SCURRY_TLS_CERT_FILE and SCURRY_TLS_KEY_FILE "
            "(--tls-cert-file, --tls-key-file) along with SCURRY_TLS_CLIENT_CA_FILE"
        )
    return Authenticator(tokens, jwt_verifier(settings), mtls)


def jwt_verifier(settings: Settings) -> JwtVerifier | None:
    if settings.auth_jwks_file is None and settings.auth_jwks_url is None:
        return None
    if settings.auth_jwks_file is not None and settings.auth_jwks_url is not None:
        raise InvalidInput("set one of SCURRY_AUTH_JWKS_FILE and SCURRY_AUTH_JWKS_URL, not both")
    if not settings.auth_jwt_issuer or not settings.auth_jwt_audience:
        raise InvalidInput(
            "JWT authentication needs the expected issuer and audience: set "
            "SCURRY_AUTH_JWT_ISSUER and SCURRY_AUTH_JWT_AUDIENCE (--jwt-issuer, --jwt-audience)"
        )
    keys = JwksSource(file=settings.auth_jwks_file, url=settings.auth_jwks_url)
    rules = JwtRules(
        issuer=settings.auth_jwt_issuer,
        audience=settings.auth_jwt_audience,
        algorithms=settings.jwt_algorithms,
        leeway=settings.auth_jwt_leeway,
        principal_claim=settings.auth_jwt_principal_claim,
        groups_claim=settings.auth_jwt_groups_claim,
    )
    return JwtVerifier(keys, rules)
