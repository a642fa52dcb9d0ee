"""The state one CLI invocation shares between its commands: settings and the API client."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import httpx
import typer

from scurry.cli.client import ApiClient, Credentials
from scurry.config.settings import Settings


@dataclass
class Session:
    """Built by the root command from the global options; commands take it from `ctx.obj`."""

    settings: Settings
    verbose: bool = False
    _client: ApiClient | None = field(default=None, repr=False)

    @classmethod
    def of(cls, ctx: typer.Context) -> Session:
        session = ctx.find_object(cls)
        if session is None:
            raise RuntimeError("the scurry command group did not set up a session")
        return session

    @property
    def server_url(self) -> str:
        return self.settings.server_url

    def client(self) -> ApiClient:
        """The API client, created on first use and closed with the session."""
        if self._client is None:
            hook = self._log_response if self.verbose else None
            credentials = Credentials.of(self.settings)
            self._client = ApiClient(self.server_url, on_response=hook, credentials=credentials)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    @staticmethod
    def _log_response(response: httpx.Response) -> None:
        request = response.request
        sys.stderr.write(f"{request.method} {request.url} {response.status_code}\n")
