"""The dashboard in a real browser (Debian's chromium, driven by playwright) on a real job.

list → detail → suspend → resume on a local Flink job of the shared control plane;
a savepoint triggered from the page shows up with its path; an invalid manifest
pasted in the apply form shows the validation error and changes nothing.
Screenshots of the main pages (1280x800 and 390x844) go to the test artifacts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flinkkit import ControlPlane

pytestmark = [pytest.mark.flink, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ENV, NS, APP = "dash-env", "dash-ns", "dash-app"
SIZES = {"wide": (1280, 800), "narrow": (390, 844)}
WAIT_MS = 240_000
FLOWING = """() => [...document.querySelectorAll('#live .throughput')]
    .some(e => parseFloat(e.textContent) > 0)"""


def application() -> dict[str, object]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": APP},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": ["-py", "/opt/flink/usrlib/python_streaming.py", "--rows-per-second", "10"],
                "parallelism": 1,
                "upgradeMode": "savepoint",
            },
        },
    }


def artifacts() -> Path:
    root = Path(os.environ.get("SCURRY_TEST_ARTIFACTS", "test-artifacts"))
    target = root / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs chromium")
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def deployed(control_plane: ControlPlane, tmp_path: Path) -> Iterator[ControlPlane]:
    file = tmp_path / "application.yaml"
    file.write_text(yaml.safe_dump(application()))
    plane = control_plane
    assert plane.cli("flink", "environment", "create", ENV, "--kubernetes-namespace", NS) == 0
    assert plane.cli("flink", "application", "create", str(file), "--environment", ENV) == 0
    try:
        yield plane
    finally:
        plane.cli("flink", "application", "delete", APP, "--environment", ENV, "--force")


def shoot(page: Any, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(artifacts() / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_list_detail_suspend_resume_savepoint_and_a_refused_manifest(
    deployed: ControlPlane, browser: Any
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(deployed.url + "/")
    link = page.locator(f'a[href="/ui/environments/{ENV}/applications/{APP}"]')
    expect(link).to_be_visible()
    link.click()
    job = page.locator("#job-state")
    expect(job).to_have_text("RUNNING", timeout=WAIT_MS)
    # The source emits 10 records a second: the live view shows a rate above zero.
    page.wait_for_function(FLOWING, timeout=WAIT_MS)
    shoot(page, "landing-then-detail")

    page.get_by_role("button", name="Suspend").click()
    expect(page.locator(".note")).to_contain_text("Suspend requested")
    # The facts refresh themselves (htmx) while the controller works.
    expect(page.locator("#lifecycle")).to_have_text("SUSPENDED", timeout=WAIT_MS)
    page.get_by_role("button", name="Resume").click()
    expect(job).to_have_text("RUNNING", timeout=WAIT_MS)

    before = page.locator("#last-savepoint").inner_text()
    page.get_by_role("button", name="Trigger savepoint").click()
    expect(page.locator(".note")).to_contain_text("Savepoint requested")
    saved = page.locator("#last-savepoint")
    expect(saved).not_to_have_text(before, timeout=WAIT_MS)
    expect(saved).to_contain_text("savepoint-")
    expect(page.locator("#snapshots")).to_contain_text(saved.inner_text(), timeout=30_000)
    shoot(page, "application")

    page.goto(deployed.url + "/")
    shoot(page, "landing")
    page.goto(deployed.url + "/ui/apply")
    bad = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "refused", "namespace": NS},
        "spec": {"job": {"jarURI": "local:///nowhere.jar", "parallelism": -2}},
    }
    page.locator("textarea[name=manifest]").fill(yaml.safe_dump(bad))
    page.get_by_role("button", name="Preview plan").click()
    expect(page.locator("#plan [role=alert]").first).to_be_visible()
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator("#plan [role=alert]")).to_contain_text("nothing was applied")
    shoot(page, "apply-refused")
    listed = deployed.api("GET", f"/apis/flink.apache.org/v1beta1/namespaces/{NS}/flinkdeployments")
    assert [d["metadata"]["name"] for d in listed.json()["items"]] == [APP]
