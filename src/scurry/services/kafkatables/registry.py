"""Talking to a Schema Registry with confluent-kafka's client: its configuration, a probe.

A catalog's `srInstance.connectionConfig` (with its secret merged in) uses the
Java client's property names, as CMF's catalogs do: `schema.registry.url`,
`basic.auth.user.info` (or `schema.registry.basic.auth.user.info`),
`basic.auth.credentials.source`. The Python client takes `url` and
`basic.auth.user.info`; PEM files (`ssl.ca.location`, ...) pass through.

`mock://<scope>` URLs name confluent-kafka's in-memory registry. Its Python
client keeps one store per client object, so scurry keeps one client per URL
for the whole process (as the Java client's mock registry does per scope):
whatever registers schemas under `mock://x` is what a catalog on `mock://x`
reads.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

URL = "schema.registry.url"
USER_INFO_KEYS = ("basic.auth.user.info", "schema.registry.basic.auth.user.info")
SOURCE_KEYS = ("basic.auth.credentials.source", "schema.registry.basic.auth.credentials.source")
PEM_KEYS = ("ssl.ca.location", "ssl.certificate.location", "ssl.key.location")
DEFAULT_TIMEOUT = 5.0
MOCK = "mock://"

_mocks: dict[str, SchemaRegistryClient] = {}
_mocks_lock = threading.Lock()


class RegistryUnreachable(Exception):
    """The Schema Registry did not answer (or refused the credentials it was given)."""


def urls(config: Mapping[str, str]) -> list[str]:
    return [u.strip() for u in config.get(URL, "").split(",") if u.strip()]


def check_urls(value: str) -> str | None:
    """Why `value` is not a list of Schema Registry URLs, or None when it is."""
    found = [u.strip() for u in value.split(",") if u.strip()]
    if not found:
        return "must hold at least one URL"
    for url in found:
        if not url.startswith(("http://", "https://", MOCK)) or url in ("http://", "https://"):
            return f"{url!r} is not an http://, https:// or mock:// URL"
    return None


def user_info(config: Mapping[str, str]) -> str | None:
    source = next((config[k] for k in SOURCE_KEYS if k in config), "USER_INFO")
    if source.upper() != "USER_INFO":
        return None
    return next((config[k] for k in USER_INFO_KEYS if config.get(k)), None)


def client_config(config: Mapping[str, str], timeout: float) -> dict[str, object]:
    """The Python client's configuration for a catalog's merged connection config."""
    conf: dict[str, object] = {"url": ",".join(urls(config)), "timeout": timeout}
    info = user_info(config)
    if info is not None:
        conf["basic.auth.user.info"] = info
    for key in PEM_KEYS:
        value = config.get(key) or config.get(f"schema.registry.{key}")
        if value:
            conf[key] = value
    return conf


def client(config: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT) -> SchemaRegistryClient:
    """A client for the registry `config` names (the shared one for a mock:// URL)."""
    conf = client_config(config, timeout)
    url = str(conf["url"])
    if not url.startswith(MOCK):
        return SchemaRegistryClient({**conf, "max.retries": 0})
    with _mocks_lock:
        if url not in _mocks:
            _mocks[url] = SchemaRegistryClient.new_client({"url": url})
        return _mocks[url]


def forget_mock(url: str) -> None:
    """Drop the shared in-memory registry of `url` (tests start from an empty one)."""
    with _mocks_lock:
        _mocks.pop(url, None)


@dataclass(frozen=True)
class ProbeResult:
    subjects: int


def probe(config: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT) -> ProbeResult:
    """List the registry's subjects once; `RegistryUnreachable` says why that failed.

    A registry that answers 401/403 is reachable; it counts as a failure only when
    credentials were sent (they are wrong), so a catalog whose credentials come from
    a mapping no environment has yet can still be created.
    """
    try:
        subjects = client(config, timeout).get_subjects()
    except SchemaRegistryError as exc:
        if exc.http_status_code in (401, 403) and user_info(config) is None:
            return ProbeResult(subjects=0)
        raise RegistryUnreachable(
            f"answered HTTP {exc.http_status_code}: {exc.error_message}"
        ) from None
    except Exception as exc:  # the client raises its HTTP library's errors as they come
        raise RegistryUnreachable(_reason(exc)) from None
    return ProbeResult(subjects=len(subjects))


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
