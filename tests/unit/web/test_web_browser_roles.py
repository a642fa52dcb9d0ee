"""In a real browser: a viewer sees the pages and no action buttons, an editor sees them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from browserkit import chromium, served
from webkit import deployment

from scurry.bootstrap import Container
from scurry.models.resources import FLINK_DEPLOYMENT
from scurry.services import objects
from scurry.services.cmf.context import context_of
from scurry.services.cmf.environments import Environments

pytestmark = pytest.mark.browser
TOKENS = {"ed-token": "eddie", "vi-token": "vicky"}
BINDINGS = [
    {"role": "editor", "environments": ["prod"], "principals": ["eddie"]},
    {"role": "viewer", "environments": ["prod"], "principals": ["vicky"]},
]
PAGE = "/ui/namespaces/prod-ns/flinkdeployments/orders"


async def seed(container: Container) -> None:
    await Environments(context_of(container)).upsert(
        {"name": "prod", "kubernetesNamespace": "prod-ns"}
    )
    obj = objects.checked(deployment("orders", "prod-ns"), FLINK_DEPLOYMENT, "prod-ns", "orders")
    await objects.create(container, obj)


def auth_files(tmp_path: Path) -> dict[str, Path]:
    tokens = [
        {"sha256": hashlib.sha256(t.encode()).hexdigest(), "principal": p, "groups": []}
        for t, p in TOKENS.items()
    ]
    (tmp_path / "tokens.yaml").write_text(yaml.safe_dump({"tokens": tokens}))
    (tmp_path / "bindings.yaml").write_text(yaml.safe_dump({"bindings": BINDINGS}))
    return {
        "auth_tokens_file": tmp_path / "tokens.yaml",
        "auth_bindings_file": tmp_path / "bindings.yaml",
    }


def log_in(browser: object, url: str, token: str) -> object:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url + PAGE)
    assert "/login?next=" in page.url
    page.locator("input[name=token]").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + PAGE)
    return page


def test_a_viewer_sees_no_action_buttons(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with served(tmp_path / "home", seed, **auth_files(tmp_path)) as url, chromium() as browser:
        viewer = log_in(browser, url, "vi-token")
        expect(viewer.locator("h1")).to_contain_text("orders")
        expect(viewer.locator(".who")).to_contain_text("vicky")
        expect(viewer.locator(".actions button")).to_have_count(0)
        viewer.goto(url + "/")
        expect(viewer.locator('a[href="' + PAGE + '"]')).to_be_visible()
        editor = log_in(browser, url, "ed-token")
        expect(editor.get_by_role("button", name="Suspend")).to_be_visible()
        expect(editor.get_by_role("button", name="Delete")).to_be_visible()
