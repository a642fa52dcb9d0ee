"""The real controller driving many FlinkDeployments on scurry.testing's fakes.

Measures, in one run: how long a spec change takes to reach
`reconciliationStatus.state=DEPLOYED` (p50/p99 over a sample), the CPU seconds of
one full observe sweep over every resource, and the process RSS. The floor for the
sweep is one store read per resource (the least a sweep can do), measured in the
same run; the sweep is printed as a ratio over it.

    .venv/bin/python bench/controller.py --deployments 2000 --changes 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from scurry.bootstrap import control_config, utc_now
from scurry.config.settings import Settings
from scurry.models.manifest import normalize
from scurry.operator.controller import Controller, Key
from scurry.ports import ResourceStore
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

KIND = "FlinkDeployment"


def manifest(index: int) -> dict[str, Any]:
    return normalize(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": KIND,
            "metadata": {"name": f"job-{index:05d}", "namespace": f"team-{index % 10}"},
            "spec": {
                "flinkVersion": "v2_3",
                "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
                "job": {"jarURI": "local:///opt/flink/usrlib/job.jar", "parallelism": 2},
            },
        }
    )


async def wait_until(what: str, check: Any, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


async def count_stable(store: ResourceStore) -> int:
    items = await store.list(KIND)
    return sum(1 for o in items if (o.get("status") or {}).get("lifecycleState") == "STABLE")


async def measure_changes(
    store: ResourceStore, names: list[tuple[str, str]], spacing: float
) -> list[float]:
    """Latency from a spec write to the status saying DEPLOYED at the new generation."""
    started: dict[tuple[str, str], tuple[float, int]] = {}
    done: dict[tuple[str, str], float] = {}
    watch = store.watch([KIND])

    async def collect() -> None:
        async for event in watch:
            meta, status = event.object["metadata"], event.object.get("status") or {}
            key = (meta["namespace"], meta["name"])
            if key not in started or key in done:
                continue
            recon = status.get("reconciliationStatus") or {}
            if (
                recon.get("state") == "DEPLOYED"
                and status.get("observedGeneration") == started[key][1]
            ):
                done[key] = time.monotonic() - started[key][0]
                if len(done) == len(names):
                    return

    collector = asyncio.create_task(collect())
    await asyncio.sleep(0.2)
    for namespace, name in names:
        obj = await store.get(KIND, namespace, name)
        obj["spec"]["job"]["parallelism"] = 4
        started[(namespace, name)] = (time.monotonic(), obj["metadata"]["generation"] + 1)
        await store.update(obj)
        if spacing:
            await asyncio.sleep(spacing)  # a steady stream of changes instead of one burst
    await asyncio.wait_for(collector, timeout=600)
    return sorted(done.values())


async def sweep_cpu(controller: Controller, store: ResourceStore) -> tuple[float, float]:
    """CPU seconds for one reconcile of every resource, and for the floor (one read each)."""
    keys = [
        Key(KIND, o["metadata"]["namespace"], o["metadata"]["name"]) for o in await store.list(KIND)
    ]
    cpu = time.process_time()
    for key in keys:
        await store.get(key.kind, key.namespace, key.name)
    floor = time.process_time() - cpu
    cpu = time.process_time()
    for key in keys:
        await controller.reconcile(key)
    return time.process_time() - cpu, floor


async def run(deployments: int, changes: int, spacing: float) -> None:
    with tempfile.TemporaryDirectory(prefix="scurry-bench-") as tmp:
        store = await open_sql_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        runtime = FakeRuntime(startup_polls=0)
        config = control_config(Settings(home=Path(tmp)))
        controller = Controller(store, runtime, runtime.flink_api, config, utc_now, workers=8)
        task = asyncio.create_task(controller.run())
        await controller.leading.wait()
        started = time.monotonic()
        for index in range(deployments):
            await store.create(manifest(index))
        created = time.monotonic() - started

        async def all_stable() -> bool:
            return await count_stable(store) == deployments

        await wait_until("every deployment to be STABLE", all_stable, 1800)
        to_stable = time.monotonic() - started
        sample = [
            (f"team-{i % 10}", f"job-{i:05d}")
            for i in range(0, deployments, max(1, deployments // changes))
        ]
        latencies = await measure_changes(store, sample[:changes], spacing)
        await wait_until("the queue to drain", lambda: _idle(controller), 600)
        sweep, floor = await sweep_cpu(controller, store)
        rss = psutil.Process().memory_info().rss / 2**20
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"deployments: {deployments} (created in {created:.1f}s, all STABLE after {to_stable:.1f}s)"
    )
    mode = f"one every {spacing:g}s" if spacing else "all at once"
    print(
        f"spec change -> DEPLOYED, {len(latencies)} changes {mode}: p50 {p50:.2f}s, p99 {p99:.2f}s"
    )
    print(
        f"full observe sweep: {sweep:.2f} CPU s ({sweep / deployments * 1000:.2f} ms per resource)"
    )
    print(f"floor (one store read per resource): {floor:.2f} CPU s; ratio {sweep / floor:.1f}")
    print(f"RSS: {rss:.0f} MiB")


async def _idle(controller: Controller) -> bool:
    return controller.queue.idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--spacing", type=float, default=0.0, help="seconds between changes")
    args = parser.parse_args()
    asyncio.run(run(args.deployments, args.changes, args.spacing))


if __name__ == "__main__":
    main()
