"""Remote job artifacts (`http(s)://`, `s3://`) fetched once onto this machine.

A URI is fetched to `<cache_dir>/<sha256(uri)[:16]>-<basename>` beside a
`.sha256` file holding the content's checksum; a later fetch of the same URI
whose file still matches its checksum touches no network. A download goes to
a temporary file first and is renamed into place, so a crash never leaves a
half file under the final name. Connection errors and 5xx answers are retried
with exponential backoff; anything else (404, 403, ...) fails at once. Every
failure is an `ArtifactError` naming the URI and the cause on one line.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote, urlparse

import httpx

from scurry.config.settings import Settings
from scurry.errors import ArtifactError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

HTTP_SCHEMES = ("http", "https")
REMOTE_SCHEMES = (*HTTP_SCHEMES, "s3")
# FKO's option for the headers of artifact downloads, as "k1:v1,k2:v2".
HTTP_HEADER_OPTION = "kubernetes.operator.user.artifacts.http.header"
CHUNK = 1 << 20
RETRYABLE_HTTP = frozenset({408, 429})

Sleep = Callable[[float], Awaitable[None]]


class ArtifactUnavailable(ArtifactError):
    """A fetch that failed for a reason that may pass (connection, 5xx): worth a later try."""

    http_status = 503


@dataclass(frozen=True)
class S3Options:
    """Where and as whom to reach S3; None falls back to boto3's environment and chain."""

    endpoint: str | None = None
    region: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)


class _Failure(Exception):
    """One attempt's failure: its cause for the message, and whether to try again."""

    def __init__(self, cause: str, *, transient: bool) -> None:
        super().__init__(cause)
        self.cause, self.transient = cause, transient


def s3_options(settings: Settings) -> S3Options:
    """Settings' S3 endpoint and keys; what is unset comes from boto3's own chain."""
    access, secret = settings.s3_access_key, settings.s3_secret_key
    return S3Options(
        endpoint=settings.s3_endpoint,
        region=settings.s3_region,
        access_key=access.get_secret_value() if access else None,
        secret_key=secret.get_secret_value() if secret else None,
    )


def is_remote(uri: str) -> bool:
    return urlparse(uri).scheme.lower() in REMOTE_SCHEMES


def remote_uri_problem(uri: str) -> str | None:
    """What is wrong with a remote URI's syntax (no network), or None."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in HTTP_SCHEMES and not parsed.hostname:
        return "an http(s) URI needs a host"
    if scheme == "s3" and not (parsed.netloc and parsed.path.strip("/")):
        return "an s3 URI needs a bucket and a key (s3://bucket/key)"
    if scheme not in REMOTE_SCHEMES:
        return f"unsupported scheme '{scheme}'"
    return None


def parse_http_headers(text: str | None) -> dict[str, str]:
    """FKO's `k1:v1,k2:v2` header option as a dict (a value may contain ':')."""
    headers: dict[str, str] = {}
    for item in (text or "").split(","):
        name, sep, value = item.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


def cache_path(uri: str, cache_dir: Path) -> Path:
    """Where `uri` is kept: unique per URI, ending in the URI's own file name."""
    digest = hashlib.sha256(uri.encode()).hexdigest()[:16]
    basename = unquote(urlparse(uri).path).rstrip("/").rsplit("/", 1)[-1] or "artifact"
    return cache_dir / f"{digest}-{basename}"


def checksum_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def file_digest(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def is_cached(target: Path) -> bool:
    """The file is there and whole: its content matches the recorded checksum."""
    try:
        recorded = checksum_path(target).read_text(encoding="ascii").strip()
        return bool(recorded) and file_digest(target) == recorded
    except OSError:
        return False


class ArtifactFetcher:
    """Fetches remote artifacts into a cache directory, once, with retries."""

    def __init__(
        self,
        s3: S3Options | None = None,
        *,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        timeout: float = 60.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.s3 = s3 or S3Options()
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep
        self.timeout, self.http_transport = timeout, http_transport
        self.s3_client: S3Client | None = None
        self._s3_lock = threading.Lock()
        self._locks: defaultdict[Path, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def fetch(
        self,
        uri: str,
        cache_dir: Path,
        *,
        headers: Mapping[str, str] | None = None,
        label: str = "jarURI",
    ) -> Path:
        """The local copy of `uri`, downloaded unless already cached; ArtifactError if not."""
        return await self.fetch_to(uri, cache_path(uri, cache_dir), headers=headers, label=label)

    async def fetch_to(
        self,
        uri: str,
        target: Path,
        *,
        headers: Mapping[str, str] | None = None,
        label: str = "jarURI",
    ) -> Path:
        """`uri` downloaded to `target` (with its checksum beside it), unless already there."""
        problem = remote_uri_problem(uri)
        if problem:
            raise ArtifactError(f"{label} {uri}: {problem}")
        async with self._locks[target]:  # one download per file, however many ask
            if not await asyncio.to_thread(is_cached, target):
                download = partial(self._download, uri, target, headers or {})
                await self._with_retries(uri, label, download)
        return target

    async def _with_retries(
        self, uri: str, label: str, attempt: Callable[[], Awaitable[None]]
    ) -> None:
        for number in range(1, self.attempts + 1):
            try:
                await attempt()
                return
            except _Failure as failure:
                if not failure.transient:
                    raise ArtifactError(f"{label} {uri}: {failure.cause}") from failure
                if number == self.attempts:
                    raise ArtifactUnavailable(
                        f"{label} {uri}: {failure.cause} after {number} attempts"
                    ) from failure
            await self.sleep(self.backoff * 2 ** (number - 1))

    async def _download(self, uri: str, target: Path, headers: Mapping[str, str]) -> None:
        """Into a temporary file, then renamed into place with its checksum beside it."""
        sink, tmp = _part_file(target)
        try:
            with sink:
                if urlparse(uri).scheme.lower() == "s3":
                    digest = await asyncio.to_thread(self._s3_download, uri, sink)
                else:
                    digest = await self._http_download(uri, sink, headers)
            _publish(tmp, target, digest)
        finally:
            _discard(tmp)

    # -- http(s) ---------------------------------------------------------------------

    async def _http_download(self, uri: str, sink: IO[bytes], headers: Mapping[str, str]) -> str:
        client = httpx.AsyncClient(
            transport=self.http_transport, timeout=self.timeout, follow_redirects=True
        )
        try:
            async with client, client.stream("GET", uri, headers=dict(headers)) as response:
                _check_http_status(response.status_code)
                digest = hashlib.sha256()
                async for chunk in response.aiter_bytes(CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
                return digest.hexdigest()
        except httpx.TransportError as exc:
            raise _Failure(_transport_cause(exc), transient=True) from exc

    # -- s3 (in a worker thread: boto3 blocks) ---------------------------------------

    def _s3_download(self, uri: str, sink: IO[bytes]) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        parsed = urlparse(uri)
        bucket, key = parsed.netloc, unquote(parsed.path.lstrip("/"))
        try:
            body = self._s3().get_object(Bucket=bucket, Key=key)["Body"]
            with body:
                return _copy(sink, body.iter_chunks(CHUNK))
        except (BotoCoreError, ClientError) as exc:
            raise _s3_failure(exc) from exc

    def _s3(self) -> S3Client:
        with self._s3_lock:  # boto3 builds clients thread-unsafely; one is shared
            if self.s3_client is None:
                self.s3_client = s3_client(self.s3)
            return self.s3_client


def _part_file(target: Path) -> tuple[IO[bytes], Path]:
    """A fresh temporary file beside `target`, so that the final rename is atomic."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    return os.fdopen(fd, "wb"), Path(name)


def _publish(tmp: Path, target: Path, digest: str) -> None:
    """The file under its final name first, then its checksum: a crash in between refetches."""
    os.replace(tmp, target)
    sidecar = checksum_path(target)
    sidecar_tmp = sidecar.with_name(sidecar.name + ".part")
    sidecar_tmp.write_text(digest + "\n", encoding="ascii")
    os.replace(sidecar_tmp, sidecar)


def _discard(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)


def _copy(sink: IO[bytes], chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        sink.write(chunk)
    return digest.hexdigest()


def _check_http_status(status: int) -> None:
    if status < 400:
        return
    raise _Failure(f"HTTP {status}", transient=status >= 500 or status in RETRYABLE_HTTP)


def _transport_cause(exc: httpx.TransportError) -> str:
    text = str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if _refused(exc) or "refused" in text.lower():
        return "connection refused"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({text})"
    return f"transfer failed ({text or type(exc).__name__})"


def _refused(exc: BaseException) -> bool:
    """Whether a ConnectionRefusedError is somewhere down the cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def s3_client(options: S3Options) -> S3Client:
    import boto3
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "total_max_attempts": 1},  # retried here, counted
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=options.endpoint,
        region_name=options.region,
        aws_access_key_id=options.access_key,
        aws_secret_access_key=options.secret_key,
        config=config,
    )


def _s3_failure(exc: Exception) -> _Failure:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return _s3_answer(error.get("Code", ""), status)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return _Failure(
            "no S3 credentials (set SCURRY_S3_ACCESS_KEY and SCURRY_S3_SECRET_KEY, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            transient=False,
        )
    if isinstance(exc, EndpointConnectionError):
        url = urlparse(str(exc.kwargs.get("endpoint_url", "")))
        what = "connection refused by" if _refused(exc) else "cannot connect to"
        return _Failure(f"{what} {url.scheme}://{url.netloc}", transient=True)
    return _Failure(f"transfer failed ({exc})", transient=True)


def _s3_answer(code: str, status: int) -> _Failure:
    if code in ("NoSuchKey", "NotFound", "404"):
        return _Failure("object not found", transient=False)
    if code == "NoSuchBucket":
        return _Failure("bucket not found", transient=False)
    if status == 403:
        return _Failure(f"access denied ({code})", transient=False)
    transient = status >= 500 or status in RETRYABLE_HTTP or code in ("SlowDown", "RequestTimeout")
    return _Failure(f"S3 error {code or 'unknown'} (HTTP {status})", transient=transient)
