"""Responses that stream until the client goes away: watches and followed logs.

Starlette stops iterating a streaming body when the client disconnects, but
leaves the body's generator suspended; `ClosingStream` closes it at once, so
what the generator holds (a store watch, a file) is released then and there.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ClosingStream(StreamingResponse):
    """A streaming response over an async generator, closed when the response ends."""

    def __init__(self, body: AsyncGenerator[bytes, None], media_type: str) -> None:
        super().__init__(body, media_type=media_type, headers={"Cache-Control": "no-cache"})
        self._body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._body.aclose()
