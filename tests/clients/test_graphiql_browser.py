"""GraphiQL, the staff's explorer, in a real headless Chromium (Debian's, installed here
when missing) driven by playwright-core: it loads from this server alone, sends a query with
an Authorization header typed into its Headers editor, and shows the signed-in user's data.
A screenshot of the result is written to test-output/graphiql/ (not kept in git)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import shutil
import struct
from pathlib import Path

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html

from server.app import create_app
from server.graphiql import ASSETS_DIR, cdn_assets, graphiql_html
from server.settings import Environment
from tests.clients.node import ROOT, run_node
from tests.graphql_client import register

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output" / "graphiql"


def _chromium_installed() -> bool:
    return CHROMIUM.is_file()


async def _install_chromium() -> Path:
    """Debian's chromium (playwright's own browser downloads are not used)."""
    if _chromium_installed():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.skip("Chromium is not installed and apt-get is not available to install it")
    if os.geteuid() != 0:
        pytest.skip("Chromium is not installed, and installing it with apt-get needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=1200)
        if process.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{output.decode(errors='replace')[-3000:]}")
    assert _chromium_installed(), "apt-get installed chromium, but not at /usr/bin/chromium"
    return CHROMIUM


@pytest.fixture(scope="session")
async def chromium() -> Path:
    return await _install_chromium()


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.usefixtures("npm_packages")
async def test_graphiql_runs_a_query_with_an_authorization_header(live, http, chromium):
    aiko = await register(http, "aiko@graphiql.example")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT / "graphiql-me.png"
    screenshot.unlink(missing_ok=True)
    query = "query WhoAmI {\n  me {\n    email\n    displayName\n    roles\n  }\n}"

    report = (
        await run_node(
            "graphiql-browser.mjs",
            "--url",
            f"http://{live}/graphql",
            "--token",
            aiko.token,
            "--query",
            query,
            "--screenshot",
            str(screenshot),
            "--chromium",
            str(chromium),
            timeout=180,
        )
    ).json()

    # The result pane shows Aiko's own account: the header typed into GraphiQL was sent.
    assert report["typed"] == query
    assert report["result"]["data"] == {
        "me": {"email": "aiko@graphiql.example", "displayName": "aiko", "roles": ["WORKER"]}
    }
    shown = report["shown"].replace("\xa0", " ")
    assert '"email": "aiko@graphiql.example"' in shown
    assert [request["authorization"] for request in report["sent"]] == [f"Bearer {aiko.token}"]
    # Everything the page needed came from this server (no CDN), and nothing failed,
    # including the Content-Security-Policy.
    assert report["offsite"] == []
    assert report["problems"] == []
    assert png_size(screenshot) == (1280, 800)
    assert screenshot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_the_graphiql_page_loads_only_vendored_copies_of_the_pinned_releases():
    """Each file strawberry's page pins on the CDN is vendored byte for byte (its SHA-384 is
    the page's integrity attribute), and the page served points at those copies."""
    upstream = get_graphql_ide_html("graphiql")
    pinned = dict(re.findall(r'https://unpkg\.com/([^"]+)"\s+integrity="([^"]+)"', upstream))
    assert pinned and set(pinned) == set(cdn_assets(upstream))
    for path, integrity in pinned.items():
        digest = hashlib.sha384((ASSETS_DIR / path).read_bytes()).digest()
        assert f"sha384-{base64.b64encode(digest).decode()}" == integrity, path
    page = graphiql_html()
    assert "unpkg.com" not in page and "jsdelivr" not in page
    for path, integrity in pinned.items():
        assert f'"/graphiql-assets/{path}"' in page
        assert f'integrity="{integrity}"' in page


async def test_graphiql_and_its_files_are_not_served_in_production(settings, services):
    production = settings.model_copy(
        update={"environment": Environment.PRODUCTION, "graphiql": None}
    )
    development = settings.model_copy(update={"graphiql": None})
    asset = "/graphiql-assets/graphiql@3.8.3/graphiql.min.js"
    for current, served in ((development, True), (production, False)):
        app = create_app(current, services)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            page = await http.get("/graphql", headers={"Accept": "text/html"})
            script = await http.get(asset)
        assert ("/graphiql-assets/" in page.text) is served
        assert script.status_code == (200 if served else 404)
        if served:
            assert script.headers["content-type"].startswith("text/javascript")
