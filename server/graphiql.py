"""GraphiQL with its scripts and styles served by this app, not by a CDN.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg.com.
Staff networks (and this project's CI) may not reach that CDN, so the same files — the
exact releases the page pins, checked against its Subresource Integrity hashes — are
vendored in `server/static/graphiql/` (refreshed with `node clients/js/vendor-graphiql.mjs`)
and served at `/graphiql-assets/` whenever GraphiQL is on (`GRAPHIQL`, by default everywhere
but production). The page keeps its `integrity` attributes, so the browser still refuses
any byte that differs from the release.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

from server.graphql_app import GraphQLEndpoint

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql-assets"
CDN = "https://unpkg.com/"
CDN_URL = re.compile(r'(src|href)="https://unpkg\.com/([^"]+)"')


def cdn_assets(html: str) -> list[str]:
    """The `<package>@<version>/<file>` paths a GraphiQL page loads from the CDN."""
    return [match.group(2) for match in CDN_URL.finditer(html)]


@cache
def graphiql_html() -> str:
    """strawberry's GraphiQL page pointed at the vendored copies. Should a strawberry upgrade
    pin files not vendored here, the page is left as it is (loading from the CDN) and a
    warning says to re-vendor; `tests/clients/test_graphiql_browser.py` fails meanwhile."""
    html = get_graphql_ide_html("graphiql")
    missing = [path for path in cdn_assets(html) if not (ASSETS_DIR / path).is_file()]
    if missing:
        log.warning(
            "GraphiQL assets not vendored (run node clients/js/vendor-graphiql.mjs): %s",
            ", ".join(missing),
        )
        return html
    return CDN_URL.sub(lambda m: f'{m.group(1)}="{ASSETS_PATH}/{m.group(2)}"', html)


def graphiql_assets() -> Mount:
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")


class GraphQLWithLocalIDE(GraphQLEndpoint):
    """The GraphQL endpoint whose GraphiQL page loads its files from this app."""

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_html()
