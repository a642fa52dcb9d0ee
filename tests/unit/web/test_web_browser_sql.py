"""In a real browser: the SQL workspace runs statements typed in its editor (fake SQL engine)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browserkit import chromium, served

from scurry.bootstrap import Container
from scurry.services.cmf.context import context_of
from scurry.services.cmf.environments import Environments
from scurry.services.cmf.pools import ComputePools
from scurry.testing.fake_sql import FakeSqlEngine

pytestmark = pytest.mark.browser
POOL = "/ui/environments/prod/compute-pools/shared"
SIZES = {"wide": (1280, 800), "narrow": (390, 844)}
CLUSTER = {
    "flinkVersion": "v1_19",
    "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
}


async def seed(container: Container) -> None:
    container.sql = FakeSqlEngine()
    ctx = context_of(container)
    await Environments(ctx).upsert({"name": "prod", "kubernetesNamespace": "prod-ns"})
    pool = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": "shared"},
        "spec": {"type": "SHARED", "clusterSpec": CLUSTER},
    }
    await ComputePools(ctx).create("prod", pool)


def screenshots() -> Path:
    target = Path(os.environ.get("SCURRY_TEST_ARTIFACTS", "test-artifacts")) / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_statements_typed_in_the_editor_run_and_show_their_rows(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with served(tmp_path / "home", seed) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + POOL)
        editor = page.locator("textarea[name=statement]")
        run = page.get_by_role("button", name="Run")
        editor.fill("CREATE TABLE words (id BIGINT, word STRING) WITH ('connector' = 'datagen');")
        run.click()
        expect(page.locator("#result-phase")).to_contain_text("COMPLETED")
        editor.fill("SHOW TABLES")
        run.click()
        expect(page.locator("table.results")).to_contain_text("words")
        expect(page.locator("#statements tbody tr")).to_have_count(2)  # the list refreshed
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(screenshots() / f"sql-workspace-{size}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        editor.fill("SELEC 1")
        run.click()
        expect(page.locator("#result-detail")).to_contain_text("SQL parse failed")
        expect(page.locator("#result-phase")).to_contain_text("FAILED")
