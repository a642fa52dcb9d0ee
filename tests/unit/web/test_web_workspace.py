"""The SQL workspace on the fake runtime and SQL engine: run, page, fail, stop, roles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from test_web_auth import files
from webkit import HTMX, Dashboard, dashboard

from scurry.errors import Unavailable
from scurry.testing.fake_sql import FakeSqlEngine

NS = "flink-prod"
ENV = "/ui/environments/prod"
POOL = f"{ENV}/compute-pools/shared"
CLUSTER = {
    "flinkVersion": "v1_19",
    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
    "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
}
SOURCE = "CREATE TABLE words (id BIGINT, word STRING) WITH ('connector' = 'datagen')"


def pool(name: str = "shared") -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": name},
        "spec": {"type": "SHARED", "clusterSpec": CLUSTER},
    }


async def environment_with_pool(ui: Dashboard, **headers: str) -> FakeSqlEngine:
    engine = FakeSqlEngine(rows_of={"words": [[i, f"w{i}"] for i in range(1, 151)]})
    ui.container.sql = engine
    env = {"name": "prod", "kubernetesNamespace": NS}
    for path, body in (("/environments", env), ("/environments/prod/compute-pools", pool())):
        answer = await ui.client.post(f"/cmf/api/v1{path}", json=body, headers=headers)
        assert answer.is_success, answer.text
    return engine


async def pool_ready(ui: Dashboard) -> None:
    """Play the controller until the pool's session cluster serves."""
    for _ in range(20):
        await ui.harness.reconcile("pool-shared", namespace=NS)
        if "RUNNING" in pool_phase(await ui.page(POOL)):
            return
        ui.harness.clock.advance(ui.harness.last_delay or 1.0)
    raise AssertionError("the compute pool did not become RUNNING")


def pool_phase(html: str) -> str:
    found = re.search(r'id="pool-phase">(.*?)</span>', html, re.S)
    assert found, html
    return found[1]


def cells(html: str) -> list[str]:
    return re.findall(r'<td data-label="id">(\d+)</td>', html)


def next_token(html: str) -> str | None:
    found = re.search(r'hx-get="[^"]*\?page-token=(\d+)"[^>]*>Next page', html)
    return found[1] if found else None


async def run(ui: Dashboard, sql: str, name: str) -> str:
    answer = await ui.post(f"{POOL}/statements", 200, data={"statement": sql, "name": name})
    assert answer.headers["HX-Trigger"] == "statements-changed"
    return answer.text


async def test_a_select_runs_from_the_editor_and_its_rows_are_paged(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await environment_with_pool(ui)
        created = await run(ui, SOURCE + ";", "create-words")
        assert "COMPLETED" in created
        assert "CREATE_TABLE" in created
        waiting = await run(ui, "SELECT * FROM words", "query")
        assert "PENDING" in waiting
        assert "Waiting for rows" in waiting
        assert 'hx-trigger="load delay:2s"' in waiting  # it asks again by itself
        await pool_ready(ui)
        url = f"{ENV}/statements/query/results"
        first = await ui.page(f"{url}?page-token=0", headers=HTMX)
        assert cells(first) == [str(i) for i in range(1, 101)]
        assert next_token(first) == "100"
        second = await ui.page(f"{url}?page-token=100", headers=HTMX)
        assert cells(second) == [str(i) for i in range(101, 151)]
        assert next_token(second) is None
        assert "end of results" in second
        assert "COMPLETED" in second
        again = await ui.page(f"{url}?page-token=0", headers=HTMX)
        assert "already read" in again  # the API's 410, said in the panel
        listed = await ui.page(POOL)
        assert 'id="statement-query"' in listed
        assert 'id="statement-create-words"' in listed


async def test_a_syntax_error_fails_the_statement_with_flinks_message(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await environment_with_pool(ui)
        failed = await run(ui, "SELEC 1", "broken")
        assert 'id="result-phase"><span class="badge bad">FAILED' in failed
        assert "SQL parse failed" in failed
        stored = await ui.store.list("CmfStatement", "prod")
        assert [s["status"]["phase"] for s in stored] == ["FAILED"]
        env_page = await ui.page(ENV)
        assert "SQL parse failed" in env_page
        assert f'href="{POOL}"' in env_page
        assert "No compute pools." not in env_page


async def test_an_empty_statement_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await environment_with_pool(ui)
        refused = await ui.post(f"{POOL}/statements", 400, data={"statement": " ; "})
        assert "spec.statement: must not be empty" in refused.text
        assert await ui.store.list("CmfStatement", "prod") == []


async def test_an_insert_is_stopped_resumed_and_deleted_by_its_buttons(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await environment_with_pool(ui)
        await run(ui, SOURCE, "create-words")
        await run(ui, "INSERT INTO sink SELECT * FROM words", "insert")
        html = await ui.page(POOL)
        assert f"{ENV}/statements/insert/stop" in html
        assert f"{ENV}/statements/insert/resume" not in html
        assert "flink-web-ui" not in html  # not running yet
        await pool_ready(ui)
        await ui.harness.reconcile_job_until(
            "stmt-insert", lambda j: j.status.job_status.state == "RUNNING", namespace=NS
        )
        html = await ui.page(POOL)
        assert "/cmf/api/v1/environments/prod/statements/insert/flink-web-ui/" in html
        answer = await ui.post(f"{ENV}/statements/insert/stop")
        assert answer.headers["HX-Redirect"].startswith(f"{POOL}?statement=insert&flash=Stop")
        job = await ui.store.get("FlinkSessionJob", NS, "stmt-insert")
        assert job["spec"]["job"]["state"] == "suspended"
        await ui.post(f"{ENV}/statements/insert/resume")
        job = await ui.store.get("FlinkSessionJob", NS, "stmt-insert")
        assert job["spec"]["job"]["state"] == "running"
        await ui.post(f"{ENV}/statements/insert/delete")
        names = [s["metadata"]["name"] for s in await ui.store.list("CmfStatement", "prod")]
        assert names == ["create-words"]
        refused = await ui.post(f"{ENV}/statements/create-words/stop", 422)
        assert "only detached statements" in refused.text


async def test_a_viewer_sees_statements_but_no_editor_and_no_buttons(tmp_path: Path) -> None:
    async with dashboard(tmp_path / "home", **files(tmp_path)) as ui:
        root = {"Authorization": "Bearer rt"}
        await environment_with_pool(ui, **root)
        body = {
            "apiVersion": "cmf.confluent.io/v1",
            "kind": "Statement",
            "metadata": {"name": "insert"},
            "spec": {"statement": "INSERT INTO s VALUES (1)", "computePoolName": "shared"},
        }
        made = await ui.client.post(
            "/cmf/api/v1/environments/prod/statements", json=body, headers=root
        )
        assert made.is_success, made.text
        ui.client.cookies.set("scurry_token", "vi")
        viewer = await ui.page(POOL)
        assert 'id="statement-insert"' in viewer
        assert "<textarea" not in viewer
        for button in ("Run", "Stop", "Resume", "Delete"):
            assert f">{button}</button>" not in viewer
        refused = await ui.client.post(
            f"{POOL}/statements", data={"statement": "SELECT 1"}, headers=HTMX
        )
        assert refused.status_code == 403
        ui.client.cookies.set("scurry_token", "ed")
        editor = await ui.page(POOL)
        assert "<textarea" in editor
        assert ">Stop</button>" in editor
        assert ">Delete</button>" in editor


class AwayEngine(FakeSqlEngine):
    """The SQL session process gone: every question about a query fails."""

    async def query(self, query_id: str) -> dict[str, Any] | None:
        raise Unavailable("the SQL session process did not answer: connection refused")


async def test_the_environment_page_shows_without_the_sql_engine(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as ui:
        await environment_with_pool(ui)
        await run(ui, SOURCE, "create-words")
        await run(ui, "SELECT * FROM words", "query")
        ui.container.sql = AwayEngine()
        html = await ui.page(ENV)
        assert "did not answer" in html
        assert "No applications." in html
