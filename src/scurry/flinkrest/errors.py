"""What a failed Flink REST call becomes: one scurry error with one short line.

Flink answers errors as `{"errors": [...]}` whose entries are often whole Java
stack traces (a `RestHandlerException` with its trace, or `"Internal server
error."` followed by `"<Exception on server side: ...>"`). A status field or a
CLI line needs the one sentence that says what went wrong: usually the
deepest `Caused by:`, else the first line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpx

from scurry.errors import NotFound, RuntimeFailure, ScurryError, Unavailable

MAX_MESSAGE = 400

# Wrapper lines Flink adds around a server-side exception; they say nothing themselves.
_NOISE = frozenset(
    {"Internal server error.", "<Exception on server side:", "End of exception on server side>"}
)
# A leading fully qualified Java class name, e.g. `org.apache.flink.runtime.rest.NotFoundException`.
_QUALIFIED_CLASS = re.compile(r"^(?:[a-z_$][\w$]*\.)+(?=[A-Z][\w$]*(?::|$))")


def unreachable(base_url: str, exc: httpx.TransportError) -> Unavailable:
    """A connection, timeout or protocol failure: Flink did not answer at all."""
    detail = str(exc) or type(exc).__name__
    return Unavailable(f"Flink REST API at {base_url} is not reachable: {detail}")


def http_error(response: httpx.Response) -> ScurryError:
    """A 4xx/5xx answer: 404 is `NotFound`, anything else a `RuntimeFailure`."""
    message = summarize(error_entries(response)) or f"Flink answered HTTP {response.status_code}"
    if response.status_code == httpx.codes.NOT_FOUND:
        return NotFound(message)
    return RuntimeFailure(message)


def error_entries(response: httpx.Response) -> list[str]:
    """The `errors` list of a Flink error body, or the raw text when it is not one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [str(entry) for entry in body["errors"]]
    return [response.text[:MAX_MESSAGE]] if response.text else []


def summarize(errors: Sequence[str]) -> str:
    """The most useful line of Flink's errors: the root cause, with short class names."""
    lines = [line.strip() for text in errors for line in text.splitlines()]
    lines = [line for line in lines if line and line not in _NOISE and not _is_frame(line)]
    if not lines:
        return ""
    causes = [line.removeprefix("Caused by: ") for line in lines if line.startswith("Caused by: ")]
    first = _short_class(lines[0])
    if not causes:
        return _truncate(first)
    root = _short_class(causes[-1])
    # A root cause without a message (`TimeoutException`) needs the outer context.
    return _truncate(root if ":" in root else f"{first} ({root})")


def _is_frame(line: str) -> bool:
    return line.startswith("at ") or (line.startswith("...") and line.endswith("more"))


def _short_class(line: str) -> str:
    return _QUALIFIED_CLASS.sub("", line, count=1)


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
