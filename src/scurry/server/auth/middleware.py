"""Authentication and RBAC for every request, before routing.

An ASGI middleware around the whole app, so that a route added later is covered
without doing anything: the request is classified by method and path, the
caller authenticated, the roles it needs resolved and checked against the
bindings; only then does the app see it, with the principal in
`request.state.principal`. 401 and 403 answers use the API's error shape.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scurry.errors import Forbidden, ScurryError, Unauthenticated
from scurry.server.auth.authenticate import Authenticator
from scurry.server.auth.classify import READS, Access, classify
from scurry.server.auth.dashboard import cookie_token, from_htmx, is_dashboard, login_location
from scurry.server.auth.environments import EnvironmentIndex
from scurry.server.auth.permissions import Permissions
from scurry.server.auth.policy import requirements
from scurry.server.auth.principal import InvalidCredentials, Principal
from scurry.server.auth.rbac import Bindings, Requirement, missing_role

log = logging.getLogger(__name__)
BODY_SCOPES = frozenset({"environment-upsert", "plan"})
MAX_JUDGED_BODY = 1 << 20  # a larger body is judged as if it named nothing (cluster roles)
CHALLENGE = 'Bearer realm="scurry"'


class AuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        bindings: Bindings,
        environments: EnvironmentIndex,
    ) -> None:
        self.app, self.authenticator = app, authenticator
        self.bindings, self.environments = bindings, environments

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        access = classify(method, scope["path"])
        if access is not None and access.scope == "public":
            await self.app(scope, receive, send)
            return
        try:
            check_dashboard_write(scope, method)
            principal = await self.authenticator.principal(scope)
            receive = await self._authorize(principal, method, scope["path"], access, receive)
        except ScurryError as error:
            log.info("refused %s %s: %s", method, scope["path"], error.message)
            await refuse(scope, receive, send, error)
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        grants = self.bindings.grants(principal)
        state["permissions"] = Permissions(principal, grants, self.environments)
        await self.app(scope, receive, send)

    async def _authorize(
        self, principal: Principal, method: str, path: str, access: Access | None, receive: Receive
    ) -> Receive:
        """Raise Forbidden unless the principal may; the body is read here when it decides."""
        action = "read" if method in READS else "change"
        if access is None:
            raise Forbidden(
                f"{principal.describe()} may not {action} {path}: no authorization rule covers it"
            )
        body = None
        if access.scope in BODY_SCOPES:
            body, receive = await buffered(receive, MAX_JUDGED_BODY)
        needs = await requirements(access, self.environments, body)
        check(principal, self.bindings, needs, action)
        return receive


def check_dashboard_write(scope: Scope, method: str) -> None:
    """A write made with the dashboard's cookie must come from the dashboard (see `dashboard`)."""
    if method in READS or from_htmx(scope) or cookie_token(scope) is None:
        return
    if Headers(scope=scope).get("authorization") is None:
        raise Forbidden("dashboard actions must be sent by the dashboard (HX-Request: true)")


def check(
    principal: Principal, bindings: Bindings, needs: Sequence[Requirement], action: str
) -> None:
    grants = bindings.grants(principal)
    for need in needs:
        missing = missing_role(grants, need)
        if missing is not None:
            raise Forbidden(
                f"{principal.describe()} may not {action} {need.what}: that needs role {missing}"
            )


async def buffered(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The request body (None past `limit` bytes) and a `receive` that replays it."""
    messages: list[Message] = []
    size, complete = 0, False
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit:
            break
        if not message.get("more_body", False):
            complete = True
            break
    pending = deque(messages)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    body = b"".join(m.get("body", b"") for m in messages) if complete else None
    return body, replay


async def refuse(scope: Scope, receive: Receive, send: Send, error: ScurryError) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": error.message[:120]})
        return
    headers = {}
    if isinstance(error, Unauthenticated) and is_dashboard(scope["path"]):
        await to_login(scope, receive, send)
        return
    if isinstance(error, Unauthenticated):
        invalid = ', error="invalid_token"' if isinstance(error, InvalidCredentials) else ""
        headers["WWW-Authenticate"] = CHALLENGE + invalid
    response = JSONResponse(
        {"errors": [{"message": error.message}]}, status_code=error.http_status, headers=headers
    )
    await response(scope, receive, send)


async def to_login(scope: Scope, receive: Receive, send: Send) -> None:
    """A browser without credentials goes to the login page (htmx: the whole page goes)."""
    location = login_location(scope)
    if from_htmx(scope):
        response = Response(status_code=401, headers={"HX-Redirect": location})
    else:
        response = RedirectResponse(location, status_code=303)
    await response(scope, receive, send)
