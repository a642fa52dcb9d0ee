"""The SQL engine on this machine: one PyFlink session process, started on first use.

The process (`python -m scurry.sqlrunner.session`) runs in its own session
so that it outlives a restart of the control plane, like the Flink JVMs do:
its pid, port and bearer token are in `<home>/sql-session/`, and a
restarted control plane adopts it when it still answers with that token,
so queries that were running keep their rows. Every request carries the
statement's whole context, so a new process needs nothing from an old one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import httpx
import psutil

from scurry.errors import Gone, NotFound, StatementRefused, Unavailable

# The session process's own names (scurry.sqlrunner.session), not imported: that
# module loads PyFlink, which the control plane does not need.
ENDPOINT_FILE = "endpoint.json"
TOKEN_ENV = "SCURRY_SQL_TOKEN"
TOKEN_FILE = "token"
SESSION_MODULE = "scurry.sqlrunner.session"
LOG_FILE = "session.log"
START_TIMEOUT = 180.0
# Planning a statement replays its context's DDL in a fresh TableEnvironment.
REQUEST_TIMEOUT = 120.0


class LocalSqlEngine:
    def __init__(self, state_dir: Path, python: str = sys.executable) -> None:
        self.state_dir, self.python = state_dir, python
        self._lock = asyncio.Lock()
        self._base: str | None = None
        self._token: str | None = None
        self._proc: asyncio.subprocess.Process | None = None

    async def analyze(self, context: dict[str, Any], statement: str) -> dict[str, Any]:
        return await self._call("POST", "/analyze", {"context": context, "statement": statement})

    async def execute(
        self, context: dict[str, Any], statement: str, *, max_rows: int, catalog: bool
    ) -> dict[str, Any]:
        body = {"context": context, "statement": statement, "maxRows": max_rows}
        return await self._call("POST", "/execute", {**body, "catalog": catalog})

    async def start_query(self, query_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("PUT", f"/queries/{query_id}", body)

    async def query(self, query_id: str) -> dict[str, Any] | None:
        try:
            return await self._call("GET", f"/queries/{query_id}")
        except NotFound:
            return None

    async def rows(self, query_id: str, offset: int, limit: int) -> dict[str, Any]:
        path = f"/queries/{query_id}/rows?offset={offset}&limit={limit}"
        return await self._call("GET", path)

    async def drop_query(self, query_id: str) -> None:
        await self._call("DELETE", f"/queries/{query_id}")

    async def close(self) -> None:
        """Nothing to do: the process outlives the control plane on purpose (see above)."""

    async def stop(self) -> None:
        """Stop the session process (`scurry down --all`); a reused pid is left alone."""
        pid = self._recorded_pid()
        if pid is not None:
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(pid)
                if SESSION_MODULE in " ".join(process.cmdline()):
                    process.terminate()
        self._base = None

    async def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        try:
            answer = await self._send(method, path, body)
        except httpx.ConnectError:
            # Nobody listens: the process has gone (killed, or the machine restarted) and
            # the request never reached it, so sending it to a new process is safe.
            self._base = None
            try:
                answer = await self._send(method, path, body)
            except httpx.HTTPError as exc:
                self._base = None
                raise Unavailable(f"the SQL session process did not answer: {exc}") from None
        except httpx.HTTPError as exc:
            self._base = None  # ask again next time: the process may have gone
            raise Unavailable(f"the SQL session process did not answer: {exc}") from None
        payload = answer.json() if answer.content else {}
        message = str(payload.get("error") or answer.text) if isinstance(payload, dict) else ""
        if answer.status_code == 422:
            raise StatementRefused(message)
        if answer.status_code == 410:
            raise Gone(message)
        if answer.status_code == 404:
            raise NotFound(message)
        if answer.status_code >= 400:
            raise Unavailable(f"the SQL session process refused the request: {message}")
        return payload if isinstance(payload, dict) else {}

    async def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        base, token = await self._endpoint()
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as client:
            return await client.request(method, base + path, json=body, headers=headers)

    async def _endpoint(self) -> tuple[str, str]:
        async with self._lock:
            if self._base is not None and self._token is not None:
                return self._base, self._token
            adopted = await self._adopt()
            if adopted is None:
                adopted = await self._spawn()
            self._base, self._token = adopted
            return adopted

    async def _adopt(self) -> tuple[str, str] | None:
        """The recorded process, if it is alive and answers with the recorded token."""
        try:
            endpoint = json.loads((self.state_dir / ENDPOINT_FILE).read_text("utf-8"))
            token = (self.state_dir / TOKEN_FILE).read_text("utf-8").strip()
        except (OSError, ValueError):
            return None
        base = f"http://127.0.0.1:{int(endpoint['port'])}"
        if await self._ready(base, token):
            return base, token
        return None

    async def _spawn(self) -> tuple[str, str]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / ENDPOINT_FILE).unlink(missing_ok=True)
        token = secrets.token_hex(24)
        token_file = self.state_dir / TOKEN_FILE
        token_file.write_text(token, encoding="utf-8")
        token_file.chmod(0o600)
        log = (self.state_dir / LOG_FILE).open("ab")
        self._proc = await asyncio.create_subprocess_exec(
            *[self.python, "-m", SESSION_MODULE, "--state-dir", str(self.state_dir)],
            env={**os.environ, TOKEN_ENV: token},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if self._proc.returncode is not None:
                raise Unavailable(
                    f"the SQL session process exited ({self._proc.returncode}); see "
                    f"{self.state_dir / LOG_FILE}"
                )
            found = await self._adopt()
            if found is not None:
                return found
            await asyncio.sleep(0.5)
        raise Unavailable(f"the SQL session process did not start in {START_TIMEOUT:.0f} s")

    async def _ready(self, base: str, token: str) -> bool:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                answer = await client.get(
                    base + "/health", headers={"Authorization": f"Bearer {token}"}
                )
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and bool(answer.json().get("ready"))

    def _recorded_pid(self) -> int | None:
        if self._proc is not None:
            return self._proc.pid
        try:
            endpoint = json.loads((self.state_dir / ENDPOINT_FILE).read_text("utf-8"))
            return int(endpoint["pid"])
        except (OSError, ValueError, KeyError):
            return None
