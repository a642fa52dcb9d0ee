"""A small Schema Registry over real HTTP on loopback, for tests of the HTTP path.

It answers what Kafka catalogs read: `GET /subjects` and
`GET /subjects/<subject>/versions/<n|latest>` (schemas as registered; Protobuf
ones are kept in the serialized form, so `format=serialized` changes nothing).
With `user_info` set it wants that HTTP basic auth and answers 401 otherwise;
`requests` records the paths and Authorization headers it saw.

    with FakeSchemaRegistry(user_info="sr-user:sr-pass") as sr:
        sr.register("orders-value", avro_text)
        ... sr.url ...
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlparse


@dataclass
class _Version:
    version: int
    id: int
    schema: str
    schema_type: str


@dataclass
class FakeSchemaRegistry:
    user_info: str | None = None
    subjects: dict[str, list[_Version]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _next_id: int = 1

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def register(self, subject: str, schema: str, schema_type: str = "AVRO") -> int:
        versions = self.subjects.setdefault(subject, [])
        versions.append(_Version(len(versions) + 1, self._next_id, schema, schema_type))
        self._next_id += 1
        return versions[-1].id

    def __enter__(self) -> FakeSchemaRegistry:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append((self.path, self.headers.get("Authorization")))
                status, body = registry.answer(self.path, self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, raw_path: str, authorization: str | None) -> tuple[int, Any]:
        if self.user_info is not None:
            expected = "Basic " + base64.b64encode(self.user_info.encode()).decode()
            if authorization != expected:
                return 401, {"error_code": 401, "message": "Unauthorized"}
        parts = [unquote(p) for p in urlparse(raw_path).path.split("/") if p]
        if parts == ["subjects"]:
            return 200, sorted(self.subjects)
        if len(parts) == 4 and parts[0] == "subjects" and parts[2] == "versions":
            return self._version(parts[1], parts[3])
        return 404, {"error_code": 404, "message": f"no route {raw_path}"}

    def _version(self, subject: str, which: str) -> tuple[int, Any]:
        versions = self.subjects.get(subject)
        if not versions:
            return 404, {"error_code": 40401, "message": f"Subject '{subject}' not found."}
        found = versions[-1] if which == "latest" else None
        if found is None:
            found = next((v for v in versions if str(v.version) == which), None)
        if found is None:
            return 404, {"error_code": 40402, "message": f"Version {which} not found."}
        body: dict[str, Any] = {
            "subject": subject,
            "version": found.version,
            "id": found.id,
            "schema": found.schema,
        }
        if found.schema_type != "AVRO":
            body["schemaType"] = found.schema_type
        return 200, body
