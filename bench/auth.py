"""What authentication and RBAC cost per request, against the same app without them.

In one run, in-process (httpx's ASGI transport, no sockets), `GET` of the FKO API's
discovery document (cheap, so the auth work shows) and of a list in an environment's
namespace (the namespace-to-environment lookup included): without auth (the floor),
with a static token, with ES256 and RS256 JWTs. The cases take turns in rounds (the
machine is shared) and the median round counts. Prints time per request and the ratio.

    .venv/bin/python bench/auth.py [requests per round]
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from scurry.bootstrap import Container, control_config
from scurry.config.settings import Settings
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

PATHS = (
    "/apis/flink.apache.org/v1beta1",
    "/apis/flink.apache.org/v1beta1/namespaces/prod-ns/flinkdeployments",
)
ISSUER, AUDIENCE = "https://idp.bench", "scurry"
ROUNDS = 7


def write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    family = jwt.algorithms.ECAlgorithm if alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
    return {**family.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": alg}


def bearer(key: Any, kid: str, alg: str) -> dict[str, str]:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "dev", "exp": int(time.time()) + 3600}
    return {"Authorization": f"Bearer {jwt.encode(claims, key, alg, headers={'kid': kid})}"}


@contextlib.asynccontextmanager
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    store = await open_sql_store("sqlite://")
    await store.create(
        {
            "apiVersion": "cmf.confluent.io/v1",
            "kind": "CmfEnvironment",
            "metadata": {"name": "prod", "namespace": ""},
            "spec": {"kubernetesNamespace": "prod-ns"},
        }
    )
    runtime = FakeRuntime()
    container = Container(settings, store, runtime, runtime.flink_api, control_config(settings))
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            yield http
    finally:
        await store.close()


async def timed(http: httpx.AsyncClient, path: str, headers: dict[str, str], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = await http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return (time.perf_counter() - started) / n


def cases(directory: Path) -> list[tuple[str, Settings, dict[str, str]]]:
    es, rs = ec.generate_private_key(ec.SECP256R1()), rsa.generate_private_key(65537, 2048)
    keys = {"keys": [jwk(es, "es", "ES256"), jwk(rs, "rs", "RS256")]}
    (directory / "jwks.json").write_text(json.dumps(keys))
    digest = hashlib.sha256(b"bench-token").hexdigest()
    tokens = {"tokens": [{"sha256": digest, "principal": "dev"}]}
    bindings = {"bindings": [{"role": "viewer", "environments": ["prod"], "principals": ["dev"]}]}
    plain = Settings(home=directory / "home", defaults_file=None)
    auth = plain.model_copy(
        update={
            "auth_tokens_file": write(directory / "t.yaml", tokens),
            "auth_jwks_file": directory / "jwks.json",
            "auth_jwt_issuer": ISSUER,
            "auth_jwt_audience": AUDIENCE,
            "auth_bindings_file": write(directory / "b.yaml", bindings),
        }
    )
    return [
        ("no auth (floor)", plain, {}),
        ("static token", auth, {"Authorization": "Bearer bench-token"}),
        ("JWT ES256", auth, bearer(es, "es", "ES256")),
        ("JWT RS256", auth, bearer(rs, "rs", "RS256")),
    ]


async def main(n: int) -> None:
    chosen = cases(Path(tempfile.mkdtemp(prefix="scurry-bench-auth-")))
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(client(s)) for _, s, _ in chosen]
        for path in PATHS:
            rounds: list[list[float]] = [[] for _ in chosen]
            for http, (_, _, headers) in zip(clients, chosen, strict=True):
                await timed(http, path, headers, 50)  # warm up
            for _ in range(ROUNDS):
                for times, http, (_, _, headers) in zip(rounds, clients, chosen, strict=True):
                    times.append(await timed(http, path, headers, n))
            medians = [statistics.median(times) for times in rounds]
            print(f"GET {path}: {ROUNDS} rounds x {n} requests, median round")
            for (name, _, _), seconds in zip(chosen, medians, strict=True):
                print(f"  {name:16} {seconds * 1e6:7.0f} us/request  x{seconds / medians[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
