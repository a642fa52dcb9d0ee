"""The dashboard under authentication: login cookie, RBAC on pages, buttons by role."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from webkit import HTMX, dashboard, deployment

TOKENS = {"ed": ("eddie", ()), "vi": ("vicky", ())}
BINDINGS = [
    {"role": "editor", "environments": ["prod"], "principals": ["eddie"]},
    {"role": "viewer", "environments": ["prod"], "principals": ["vicky"]},
    {"role": "cluster-admin", "principals": ["root"]},
]


def files(tmp_path: Path) -> dict[str, Path]:
    tokens = [
        {"sha256": hashlib.sha256(t.encode()).hexdigest(), "principal": p, "groups": [*g]}
        for t, (p, g) in {**TOKENS, "rt": ("root", ())}.items()
    ]
    (tmp_path / "tokens.yaml").write_text(yaml.safe_dump({"tokens": tokens}))
    (tmp_path / "bindings.yaml").write_text(yaml.safe_dump({"bindings": BINDINGS}))
    return {
        "auth_tokens_file": tmp_path / "tokens.yaml",
        "auth_bindings_file": tmp_path / "bindings.yaml",
    }


async def test_a_viewer_sees_no_buttons_and_an_editor_does(tmp_path: Path) -> None:
    async with dashboard(tmp_path / "home", **files(tmp_path)) as ui:
        root = {"Authorization": "Bearer rt"}
        env = {"name": "prod", "kubernetesNamespace": "prod-ns"}
        assert (await ui.client.post("/cmf/api/v1/environments", json=env, headers=root)).is_success
        manifest = yaml.safe_dump(deployment("basic", "prod-ns"))
        path = "/apis/flink.apache.org/v1beta1/namespaces/prod-ns/flinkdeployments"
        assert (await ui.client.post(path, content=manifest, headers=root)).is_success
        page = "/ui/namespaces/prod-ns/flinkdeployments/basic"
        ui.client.cookies.set("scurry_token", "vi")
        viewer = await ui.page(page)
        assert "basic" in viewer
        assert "vicky" in viewer
        assert "Suspend" not in viewer
        assert "Delete" not in viewer
        refused = await ui.client.post(f"{page}/suspend", headers=HTMX)
        assert refused.status_code == 403
        ui.client.cookies.set("scurry_token", "ed")
        editor = await ui.page(page)
        assert "Suspend" in editor
        assert "Delete" in editor
        assert (await ui.client.post(f"{page}/suspend", headers=HTMX)).status_code == 204


async def test_without_a_cookie_a_browser_goes_to_the_login_page(tmp_path: Path) -> None:
    async with dashboard(tmp_path / "home", **files(tmp_path)) as ui:
        answer = await ui.client.get("/ui/environments/prod?x=1")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=%2Fui%2Fenvironments%2Fprod%3Fx%3D1"
        assert "Token" in await ui.page("/login")
        login = await ui.client.post("/login", data={"token": "vi", "next": "//evil.test/"})
        assert login.status_code == 303
        assert login.headers["location"] == "/"
        assert "scurry_token=vi" in login.headers["set-cookie"]
        assert "samesite=strict" in login.headers["set-cookie"].lower()


async def test_the_cookie_is_not_accepted_by_the_api_nor_for_writes_without_htmx(
    tmp_path: Path,
) -> None:
    async with dashboard(tmp_path / "home", **files(tmp_path)) as ui:
        ui.client.cookies.set("scurry_token", "rt")
        assert (await ui.client.get("/cmf/api/v1/environments")).status_code == 401
        assert (await ui.client.get("/")).status_code == 200
        forged = await ui.client.post("/ui/environments", data={"name": "evil", "namespace": "e"})
        assert forged.status_code == 403
        assert "HX-Request" in forged.text


async def test_the_cookie_opens_the_flink_web_ui_link_for_reads_only(tmp_path: Path) -> None:
    async with dashboard(tmp_path / "home", **files(tmp_path)) as ui:
        root = {"Authorization": "Bearer rt"}
        env = {"name": "prod", "kubernetesNamespace": "prod-ns"}
        assert (await ui.client.post("/cmf/api/v1/environments", json=env, headers=root)).is_success
        proxy = "/cmf/api/v1/environments/prod/applications/nothing/flink-web-ui/overview"
        assert (await ui.client.get(proxy)).status_code == 401
        ui.client.cookies.set("scurry_token", "vi")
        # Authenticated by the cookie and authorized: the answer is about the application.
        assert (await ui.client.get(proxy)).status_code == 404
        assert (await ui.client.get("/cmf/api/v1/environments")).status_code == 401
        assert (await ui.client.patch(proxy, headers=HTMX)).status_code == 401
        ui.client.cookies.set("scurry_token", "ed")
        other = "/cmf/api/v1/environments/other/applications/a/flink-web-ui/overview"
        assert (await ui.client.get(other)).status_code in (403, 404)
