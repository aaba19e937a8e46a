"""The Grafana dashboard, its provisioning, and Prometheus' scrape config and alert rules:
they parse, point at each other and at the compose services, and every metric they
name is exported by the code (checked on a real scrape, after some traffic)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.background import run_jobs
from tests.graphql_client import gql, register
from tests.observability_helpers import family_names

DOCKER = Path(__file__).resolve().parent.parent / "docker"
DASHBOARD = DOCKER / "grafana" / "dashboards" / "iworkz.json"
DATASOURCES = DOCKER / "grafana" / "provisioning" / "datasources" / "prometheus.yaml"
DASHBOARD_PROVIDERS = DOCKER / "grafana" / "provisioning" / "dashboards" / "iworkz.yaml"
PROMETHEUS = DOCKER / "prometheus" / "prometheus.yml"
ALERTS = DOCKER / "prometheus" / "alerts.yml"

METRIC = re.compile(r"\biworkz_[a-z0-9_]+")
COUNTER_SUFFIXES = ("_total", "_bucket", "_sum", "_count")


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def panels() -> list[dict[str, Any]]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def alert_rules() -> list[dict[str, Any]]:
    return [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]


def expressions() -> list[str]:
    found = [target["expr"] for panel in panels() for target in panel["targets"]]
    return found + [rule["expr"] for rule in alert_rules()]


def test_dashboard_has_the_panels_an_operator_needs():
    board = dashboard()
    assert board["uid"] == "iworkz-overview"
    titles = {panel["title"] for panel in panels()}
    for title in (
        "Request rate by operation",
        "Latency p50 / p95 / p99 (queries and mutations)",
        "p95 latency by operation",
        "Error rate by code",
        "Slowest resolvers (p95)",
        "DataLoader batch size (p50 / p95)",
        "Database pool",
        "WebSockets and subscriptions",
        "Events",
        "Queue depth",
        "Job duration p95",
        "Job failures",
        "Anchoring failures (24 h)",
        "Oldest unconfirmed batch",
    ):
        assert title in titles, title
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    # No two panels overlap on Grafana's 24-column grid.
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & mine, panel["title"]
        cells |= mine


def test_grafana_provisioning_points_at_prometheus_and_the_dashboard():
    sources = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    assert len(sources) == 1
    source = sources[0]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"  # the compose service
    for panel in panels():
        assert panel["datasource"]["uid"] == source["uid"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == source["uid"]
    providers = yaml.safe_load(DASHBOARD_PROVIDERS.read_text())["providers"]
    # compose mounts docker/grafana/dashboards here.
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_prometheus_scrapes_the_compose_services_and_loads_the_alerts():
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets = {
        job["job_name"]: [t for group in job["static_configs"] for t in group["targets"]]
        for job in config["scrape_configs"]
    }
    assert targets["iworkz-api"] == ["api1:8000", "api2:8000"]
    assert targets["iworkz-worker"] == ["worker:9100"]
    # compose mounts docker/prometheus on /etc/prometheus.
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_alert_rules_cover_errors_latency_backlog_and_anchoring():
    rules = alert_rules()
    names = {rule["alert"] for rule in rules}
    assert {
        "IworkzHighErrorRate",
        "IworkzHighLatency",
        "IworkzJobQueueBacklog",
        "IworkzAnchoringFailed",
        "IworkzAnchorBatchStuck",
    } <= names
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "warn"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
    anchoring = next(rule for rule in rules if rule["alert"] == "IworkzAnchoringFailed")
    assert 'function="anchor_credentials"' in anchoring["expr"]


@pytest.mark.parametrize("expr", expressions())
def test_expressions_are_well_formed(expr):
    """promtool is not installed here: a structural check instead — balanced brackets and
    quotes, rate/increase only over counters, histogram_quantile over buckets by `le`."""
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    in_string = False
    for char in expr:
        if char == '"':
            in_string = not in_string
        elif in_string:
            continue
        elif char in "([{":
            stack.append(char)
        elif char in pairs:
            assert stack and stack.pop() == pairs[char], expr
    assert not stack and not in_string, expr
    for name in re.findall(r"\b(?:rate|increase)\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", expr):
        assert name.endswith(COUNTER_SUFFIXES), (name, expr)
    for inner in re.findall(r"histogram_quantile\(\s*[0-9.]+,\s*(.*)", expr):
        assert "_bucket" in inner and re.search(r"by \(le\b", inner), expr


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_rules_and_config():
    subprocess.run(["promtool", "check", "rules", str(ALERTS)], check=True)


async def test_every_metric_named_is_exported(client, services):
    """Some traffic first (a query, an error, a mutation with jobs, the jobs run), then a
    scrape: every `iworkz_*` name in the dashboard and the alerts must be in it."""
    account = await register(client, f"dash-{uuid.uuid4().hex[:8]}@example.com")
    await gql(client, "query Me { me { id } }", token=account.token)
    await gql(client, "{ skills(first: 1000) { slug } }")
    await run_jobs(services)
    response = await client.get("/metrics")
    assert response.status_code == 200
    exported = family_names(response.text)
    named = {name for expr in expressions() for name in METRIC.findall(expr)}
    assert len(named) > 20
    missing = sorted(named - exported)
    assert not missing, missing
