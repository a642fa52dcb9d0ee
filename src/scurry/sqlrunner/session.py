"""The SQL session process: PyFlink's TableEnvironment behind a small loopback HTTP API.

    python -m scurry.sqlrunner.session --state-dir DIR

It listens on 127.0.0.1 (a port of its own choosing, written with its pid to
DIR/endpoint.json once it listens) and answers only requests that carry the
bearer token from the SCURRY_SQL_TOKEN environment variable. Requests and
answers are JSON:

    GET    /health                     {"pid", "ready", "queries"}
    POST   /analyze                    {context, statement} -> analysis
    POST   /execute                    {context, statement, maxRows, catalog} -> rows
    PUT    /queries/{id}               {context, statement, target, jobId, capacity}
    GET    /queries/{id}               the query's state
    GET    /queries/{id}/rows?offset=&limit=
    DELETE /queries/{id}               cancel the job, drop the rows

A statement Flink refuses is a 422 with Flink's message; rows acknowledged
and dropped are a 410. The process keeps no state that matters across a
restart: the control plane stores catalogs and knows its queries' job ids.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from scurry.sqlrunner import queries, rows, tableenv

TOKEN_ENV = "SCURRY_SQL_TOKEN"
ENDPOINT_FILE = "endpoint.json"
_QUERY_PATH = re.compile(r"^/queries/(?P<id>[A-Za-z0-9._-]{1,128})(?P<rows>/rows)?$")


class Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class Session:
    """The queries of this process and the statements it analyzes and executes."""

    def __init__(self, retention: float) -> None:
        self.retention = retention
        self.ready = threading.Event()
        self.lock = threading.Lock()
        self.queries: dict[str, queries.Query] = {}

    def warm_up(self) -> None:
        """Start the gateway JVM and the planner once, so the first statement is quick."""
        tenv = tableenv.create({})
        tenv.explain_sql("SELECT 1")
        self.ready.set()

    def analyze(self, body: dict[str, Any]) -> dict[str, Any]:
        tenv = self._prepared(body)
        return tableenv.analyze(tenv, _text(body, "statement"))

    def execute(self, body: dict[str, Any]) -> dict[str, Any]:
        tenv = self._prepared(body)
        limit = int(body.get("maxRows") or 1000)
        result = tableenv.run(tenv, _text(body, "statement"))
        answer: dict[str, Any] = {"columns": [], "rows": [], "truncated": False}
        if result is not None:
            answer["columns"] = tableenv.result_columns(result)
            with result.collect() as found:
                for row in found:
                    if len(answer["rows"]) >= limit:
                        answer["truncated"] = True
                        break
                    answer["rows"].append(rows.result_row(row))
        if body.get("catalog"):
            answer["catalog"] = tableenv.describe_catalog(tenv)
        return answer

    def start_query(self, query_id: str, body: dict[str, Any]) -> dict[str, Any]:
        target = body.get("target") or {}
        with self.lock:
            existing = self.queries.get(query_id)
            if existing is not None:
                if existing.job_id != body.get("jobId"):
                    raise Refused(HTTPStatus.CONFLICT, f"query {query_id} runs another job")
                return existing.report()
            query = queries.Query(
                query_id=query_id,
                job_id=_text(body, "jobId"),
                statement=_text(body, "statement"),
                context=body.get("context") or {},
                target=(str(target.get("host") or "127.0.0.1"), int(target["port"])),
                capacity=max(1, int(body.get("capacity") or 1000)),
            )
            self.queries[query_id] = query
        query.start()
        return query.report()

    def query(self, query_id: str) -> queries.Query:
        with self.lock:
            found = self.queries.get(query_id)
        if found is None:
            raise Refused(HTTPStatus.NOT_FOUND, f"no query {query_id} in this session")
        return found

    def drop_query(self, query_id: str) -> None:
        with self.lock:
            found = self.queries.pop(query_id, None)
        if found is not None:
            found.cancel()

    def expire(self) -> None:
        """Drop the rows of queries that ended longer than `retention` seconds ago."""
        now = time.monotonic()
        with self.lock:
            old = [
                key
                for key, query in self.queries.items()
                if query.ended_at is not None and now - query.ended_at > self.retention
            ]
            for key in old:
                del self.queries[key]

    def _prepared(self, body: dict[str, Any]) -> Any:
        context = body.get("context") or {}
        tenv = tableenv.create(context.get("configuration") or {})
        tableenv.prepare(tenv, context)
        return tenv


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Refused(HTTPStatus.BAD_REQUEST, f"{key}: a non-empty string is required")
    return value


class Handler(BaseHTTPRequestHandler):
    session: Session
    token: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve(self._get)

    def do_POST(self) -> None:
        self._serve(self._post)

    def do_PUT(self) -> None:
        self._serve(self._put)

    def do_DELETE(self) -> None:
        self._serve(self._delete)

    def _get(self, path: str, query: dict[str, list[str]]) -> Any:
        if path == "/health":
            return {
                "pid": os.getpid(),
                "ready": self.session.ready.is_set(),
                "queries": len(self.session.queries),
            }
        found = _QUERY_PATH.match(path)
        if not found:
            raise Refused(HTTPStatus.NOT_FOUND, f"no resource {path}")
        running = self.session.query(found["id"])
        if not found["rows"]:
            return running.report()
        offset = int((query.get("offset") or ["0"])[0])
        limit = int((query.get("limit") or ["100"])[0])
        try:
            page = running.page(offset, max(1, limit))
        except queries.Gone as exc:
            raise Refused(HTTPStatus.GONE, str(exc)) from None
        except ValueError as exc:
            raise Refused(HTTPStatus.BAD_REQUEST, str(exc)) from None
        return {
            "rows": page.rows,
            "nextOffset": page.next_offset,
            "end": page.end,
            **running.report(),
        }

    def _post(self, path: str, _: dict[str, list[str]]) -> Any:
        body = self._body()
        if path == "/analyze":
            return self.session.analyze(body)
        if path == "/execute":
            return self.session.execute(body)
        raise Refused(HTTPStatus.NOT_FOUND, f"no resource {path}")

    def _put(self, path: str, _: dict[str, list[str]]) -> Any:
        found = _QUERY_PATH.match(path)
        if not found or found["rows"]:
            raise Refused(HTTPStatus.NOT_FOUND, f"no resource {path}")
        return self.session.start_query(found["id"], self._body())

    def _delete(self, path: str, _: dict[str, list[str]]) -> Any:
        found = _QUERY_PATH.match(path)
        if not found or found["rows"]:
            raise Refused(HTTPStatus.NOT_FOUND, f"no resource {path}")
        self.session.drop_query(found["id"])
        return None

    def _serve(self, method: Any) -> None:
        try:
            if self.headers.get("Authorization") != f"Bearer {self.token}":
                raise Refused(HTTPStatus.UNAUTHORIZED, "a bearer token is required")
            parsed = urlparse(self.path)
            answer = method(parsed.path, parse_qs(parsed.query))
            self._send(HTTPStatus.OK if answer is not None else HTTPStatus.NO_CONTENT, answer)
        except Refused as exc:
            self._send(exc.status, {"error": str(exc)})
        except tableenv.StatementError as exc:
            self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(exc)})
        except (ValueError, KeyError, TypeError) as exc:
            self._send(HTTPStatus.BAD_REQUEST, {"error": f"bad request: {exc}"})
        except Exception as exc:  # a statement Flink chokes on unexpectedly is still its fault
            self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": tableenv.java_error(exc)})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not isinstance(body, dict):
            raise Refused(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return body

    def _send(self, status: HTTPStatus, answer: Any) -> None:
        payload = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve(state_dir: Path, token: str, retention: float) -> None:
    session = Session(retention)
    handler = type("SessionHandler", (Handler,), {"session": session, "token": token})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    _write_endpoint(state_dir, server.server_address[1])
    threading.Thread(target=session.warm_up, name="warm-up", daemon=True).start()
    threading.Thread(target=_expire_forever, args=(session,), daemon=True).start()
    server.serve_forever()


def _expire_forever(session: Session) -> None:
    while True:
        time.sleep(60)
        session.expire()


def _write_endpoint(state_dir: Path, port: int) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    partial = state_dir / f".{ENDPOINT_FILE}.tmp"
    partial.write_text(json.dumps({"pid": os.getpid(), "port": port}), encoding="utf-8")
    partial.replace(state_dir / ENDPOINT_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scurry's SQL session process")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--retention", type=float, default=3600.0, help="seconds to keep rows")
    options = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV)
    if not token:
        parser.error(f"{TOKEN_ENV} must hold the bearer token")
    serve(options.state_dir, token, options.retention)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
