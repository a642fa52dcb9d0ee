"""The dashboard's pages and actions on fakes: what they show, and what their buttons change."""

from __future__ import annotations

from pathlib import Path

import yaml
from webkit import Dashboard, application, dashboard, deployment

from scurry.models.cluster import ClusterRef


async def running(ui: Dashboard, name: str, namespace: str = "default") -> None:
    await ui.harness.reconcile_until(
        name, lambda r: r.status.job_status.state == "RUNNING", namespace=namespace
    )


async def test_the_landing_page_lists_environments_applications_and_deployments(
    tmp_path: Path,
) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.cmf("/environments", {"name": "prod", "kubernetesNamespace": "flink-prod"})
        await ui.cmf("/environments/prod/applications", application("orders"))
        await ui.apply_api(deployment("loose", "scratch"))
        await running(ui, "orders", "flink-prod")
        html = await ui.page("/")
    assert "/ui/environments/prod/applications/orders" in html
    assert "/ui/namespaces/scratch/flinkdeployments/loose" in html
    assert "namespace without an environment" in html
    assert "RUNNING" in html


async def test_suspend_and_resume_buttons_change_the_desired_state(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.apply_api(deployment("basic"))
        await running(ui, "basic")
        page = "/ui/namespaces/default/flinkdeployments/basic"
        html = await ui.page(page)
        assert 'id="job-state"' in html
        assert "RUNNING" in html
        answer = await ui.post(f"{page}/suspend")
        assert answer.headers["HX-Redirect"].startswith(f"{page}?flash=Suspend")
        stored = await ui.store.get("FlinkDeployment", "default", "basic")
        assert stored["spec"]["job"]["state"] == "suspended"
        await ui.harness.reconcile_until("basic", lambda r: r.status.lifecycle_state == "SUSPENDED")
        assert "SUSPENDED" in await ui.page(page)
        await ui.post(f"{page}/resume")
        await running(ui, "basic")
        assert "RUNNING" in await ui.page(page)


async def test_restart_and_savepoint_buttons_bump_the_nonces(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.apply_api(deployment("basic", restartNonce=None))
        await running(ui, "basic")
        page = "/ui/namespaces/default/flinkdeployments/basic"
        await ui.post(f"{page}/restart")
        await ui.post(f"{page}/savepoint")
        await ui.post(f"{page}/savepoint")
        stored = await ui.store.get("FlinkDeployment", "default", "basic")
        assert stored["spec"]["restartNonce"] == 1
        assert stored["spec"]["job"]["savepointTriggerNonce"] == 2


async def test_an_application_savepoint_shows_on_its_page(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.cmf("/environments", {"name": "devl", "kubernetesNamespace": "devl"})
        await ui.cmf("/environments/devl/applications", application("clicks"))
        await running(ui, "clicks", "devl")
        page = "/ui/environments/devl/applications/clicks"
        await ui.post(f"{page}/savepoint")
        snapshots = await ui.store.list("FlinkStateSnapshot", "devl")
        assert len(snapshots) == 1
        name = snapshots[0]["metadata"]["name"]
        html = await ui.page(page)
        assert name in html
        assert "/cmf/api/v1/environments/devl/applications/clicks/flink-web-ui/" in html


async def test_an_unknown_action_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.apply_api(deployment("basic"))
        before = await ui.store.get("FlinkDeployment", "default", "basic")
        answer = await ui.post("/ui/namespaces/default/flinkdeployments/basic/explode", 400)
        assert "action: unknown action &#39;explode&#39;" in answer.text
        assert answer.headers["content-type"].startswith("text/html")
        after = await ui.store.get("FlinkDeployment", "default", "basic")
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_an_invalid_manifest_shows_its_error_and_is_not_applied(tmp_path: Path) -> None:
    bad = deployment("broken")
    bad["spec"]["job"]["parallelism"] = -3
    bad["spec"]["job"]["upgradeMode"] = "savepoint"
    text = yaml.safe_dump_all([deployment("fine"), bad])
    async with dashboard(tmp_path) as ui:
        plan = await ui.post("/ui/apply/plan", 200, data={"manifest": text})
        assert 'role="alert"' in plan.text
        refused = await ui.post("/ui/apply", 422, data={"manifest": text})
        assert "nothing was applied" in refused.text
        assert await ui.store.list("FlinkDeployment", "default") == []


async def test_a_valid_manifest_is_previewed_then_applied(tmp_path: Path) -> None:
    text = yaml.safe_dump(deployment("fresh"))
    async with dashboard(tmp_path) as ui:
        plan = await ui.post("/ui/apply/plan", 200, data={"manifest": text})
        assert "FlinkDeployment default/fresh" in plan.text
        await ui.post("/ui/apply", data={"manifest": text})
        stored = await ui.store.get("FlinkDeployment", "default", "fresh")
        assert stored["spec"]["job"]["jarURI"].endswith("StateMachineExample.jar")
        await ui.post("/ui/apply", data={"manifest": text})  # again: an update, no conflict


async def test_a_config_map_is_planned_and_applied_beside_a_deployment(tmp_path: Path) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "default"},
        "data": {"mode": "fast"},
    }
    text = yaml.safe_dump_all([config, deployment("fresh")])
    async with dashboard(tmp_path) as ui:
        api_plan = await ui.client.post("/apis/flink.apache.org/v1beta1/plan", content=text)
        assert api_plan.status_code == 200, api_plan.text
        assert [i["action"] for i in api_plan.json()["items"]] == ["create", "create"]
        await ui.post("/ui/apply", data={"manifest": text})
        stored = await ui.store.get("ConfigMap", "default", "settings")
        assert stored["data"] == {"mode": "fast"}
        again = await ui.client.post("/apis/flink.apache.org/v1beta1/plan", content=text)
        assert again.json()["items"][0]["action"] == "none"


async def test_environments_and_applications_are_created_from_forms(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.post("/ui/environments", data={"name": "qa-1", "namespace": "qa-ns"})
        body = yaml.safe_dump(application("from-yaml"))
        await ui.post("/ui/environments/qa-1/applications", data={"yaml_text": body})
        bad = await ui.post(
            "/ui/environments/qa-1/applications", 400, data={"name": "x", "parallelism": "two"}
        )
        assert "parallelism: must be a whole number" in bad.text
        html = await ui.page("/ui/environments/qa-1")
    assert "from-yaml" in html
    assert "qa-ns" in html


async def test_the_live_view_shows_throughput_and_backpressure_per_vertex(
    tmp_path: Path,
) -> None:
    async with dashboard(tmp_path) as ui:
        await ui.apply_api(deployment("basic"))
        await running(ui, "basic")
        flink = ui.runtime.clusters[ClusterRef(namespace="default", name="basic")].flink
        job = next(iter(flink.jobs.values()))
        job.vertex_metrics.update(numRecordsOutPerSecond=0.0, backPressuredTimeMsPerSecond=700)
        live = "/ui/namespaces/default/flinkdeployments/basic/live"
        assert 'class="throughput">0.0<' in await ui.page(live)
        # The operators register their metrics once the task runs: looked up again.
        job.vertex_metrics["Source__src.numRecordsOutPerSecond"] = 250.0  # inside the chain
        html = await ui.page(live)
    assert "250.0" in html
    assert "70% high" in html
    assert "<polyline" in html
    assert "0.0," in html


async def test_a_missing_resource_is_a_404_page(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        html = await ui.page("/ui/namespaces/default/flinkdeployments/nope", 404)
        assert 'role="alert"' in html
        assert "nope" in html
        await ui.page("/ui/namespaces/default/configmaps/x", 404)
