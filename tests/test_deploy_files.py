"""The deployment files, checked without Docker or a cluster: docker/compose.yaml,
docker/nginx.conf, docker/Dockerfile, deploy/k8s/ and .github/workflows/ci.yml.

They are only ever run elsewhere, so what can drift is checked here against the code:
every variable they set is a setting and together they satisfy production's validation,
every command is an `iworkz` command, every probe path is a route of the app, selectors
match labels, ports and names agree across Service, Deployment, Ingress and nginx, and the
image is the same everywhere.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url
from starlette.routing import BaseRoute

from server.app import create_app
from server.cli import build_parser
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
K8S = ROOT / "deploy" / "k8s"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
IMAGE_REPOSITORY = "ghcr.io/iworkz/iworkz"
DATA_DIR = "/var/lib/iworkz"
APP_SERVICES = {"migrate", "api1", "api2", "worker", "backup"}

# The service keys of the Compose Specification (compose-spec/compose-spec,
# schema/compose-spec.json, `definitions.service.properties`; extensions `x-*` aside).
COMPOSE_SERVICE_KEYS = set(
    [
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "label_file",
        "labels",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "models",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "provider",
        "pull_policy",
        "pull_refresh_after",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "use_api_socket",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    ]
)
COMPOSE_TOP_KEYS = {"configs", "include", "models", "name", "networks", "secrets", "services"}
COMPOSE_TOP_KEYS |= {"version", "volumes"}
HEALTHCHECK_KEYS = {"disable", "interval", "retries", "start_interval", "start_period"}
HEALTHCHECK_KEYS |= {"test", "timeout"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's autouse fixture: nothing here touches the test database."""


# --- reading the files --------------------------------------------------------------------


def setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


_ENVIRON_READ = re.compile(r"""os\.environ(?:\.get\(|\[)\s*["']([A-Z0-9_]+)["']""")


@cache
def names_the_code_reads() -> frozenset[str]:
    """Every setting, and what the code reads from os.environ itself (such as
    PROMETHEUS_MULTIPROC_DIR, prometheus_client's convention)."""
    names = set(setting_names())
    for package in ("server", "schema", "resolvers", "dataloaders", "domain", "workers"):
        for source in (ROOT / package).rglob("*.py"):
            names |= set(_ENVIRON_READ.findall(source.read_text()))
    return frozenset(names)


def parse_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads them (quotes stripped, comments skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`; fails like Compose."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        value = env.get(name)
        if operator in (":?", "?") and not value:
            raise AssertionError(f"compose needs {name}: {argument}")
        if operator in (":-", "-") and not value:
            return argument or ""
        return value or ""

    return _VARIABLE.sub(substitute, text)


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def app_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if s["image"].startswith(IMAGE_REPOSITORY)}


def compose_environment(service: dict[str, Any]) -> dict[str, str | None]:
    """The service's environment with docker/.env.example's values; None = passed through."""
    env = parse_dotenv(DOCKER / ".env.example")
    raw = service.get("environment") or {}
    assert isinstance(raw, dict), "environment as a mapping, please"
    return {
        key: None if value is None else interpolate(str(value), env) for key, value in raw.items()
    }


@cache
def k8s_documents() -> tuple[dict[str, Any], ...]:
    """Every object the kustomization applies, in its order."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        documents += [doc for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc]
    return tuple(documents)


def k8s(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in k8s_documents() if doc["kind"] == kind]


def k8s_named(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in k8s(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["metadata"]["labels"]


def workloads() -> list[dict[str, Any]]:
    return [doc for doc in k8s_documents() if doc["kind"] in ("Deployment", "Job", "CronJob")]


def containers(workload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def app_containers() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{w['kind']}/{w['metadata']['name']}/{c['name']}", c)
        for w in workloads()
        for c in containers(w)
    ]


def k8s_environment(container: dict[str, Any]) -> tuple[dict[str, str], set[str], set[str]]:
    """The container's plain values (its ConfigMaps and `value`s), and the names it takes from
    Secrets: all of them, and those that must exist (not `optional`)."""
    values: dict[str, str] = {}
    from_secrets: set[str] = set()
    required: set[str] = set()
    for source in container.get("envFrom", []):
        values.update(k8s_named("ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            values[variable["name"]] = variable["value"]
            continue
        ref = variable["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "iworkz-secrets", variable
        assert ref["key"] == variable["name"], "secret keys are named like the variable"
        from_secrets.add(variable["name"])
        if not ref.get("optional", False):
            required.add(variable["name"])
    return values, from_secrets, required


@cache
def app_routes() -> tuple[str, ...]:
    settings = Settings(data_dir=Path("/unused"))
    routes: list[BaseRoute] = create_app(settings).routes
    return tuple(route.path for route in routes if hasattr(route, "path"))


def route_exists(path: str, prefix: bool = False) -> bool:
    if prefix:
        return any(route.startswith(path.rstrip("/") + "/") for route in app_routes())
    return path in app_routes()


def assert_iworkz_command(command: list[str], where: str) -> str:
    """An `iworkz …` command line the real parser accepts; returns the subcommand."""
    assert command and command[0] == "iworkz", f"{where}: {command}"
    try:
        args = build_parser().parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"{where}: `{shlex.join(command)}` is not a valid iworkz command")
    return str(args.command)


def settings_from(values: dict[str, str | None]) -> Settings:
    """Settings as these environment variables alone make them (parsed as the environment
    is: JSON lists and objects included), with no `.env` and no other setting around."""
    saved = dict(os.environ)
    try:
        for key in [key for key in os.environ if key.upper() in setting_names()]:
            del os.environ[key]
        os.environ.update({key: value for key, value in values.items() if value is not None})
        return Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        os.environ.clear()
        os.environ.update(saved)


def dockerfile() -> str:
    return (DOCKER / "Dockerfile").read_text()


def dockerfile_stages() -> list[str]:
    """The Dockerfile's stages, each from its FROM line on."""
    return re.split(r"(?m)^(?=FROM )", dockerfile())[1:]


def postgres_major_of(image: str) -> int:
    match = re.match(r"postgres:(\d+)", image)
    assert match, image
    return int(match.group(1))


def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


# --- compose ------------------------------------------------------------------------------


def test_compose_uses_only_keys_of_the_compose_specification() -> None:
    data = compose()
    assert {key for key in data if not key.startswith("x-")} <= COMPOSE_TOP_KEYS
    for name, service in services().items():
        unknown = set(service) - COMPOSE_SERVICE_KEYS
        assert not unknown, f"{name}: unknown keys {unknown}"
        assert set(service.get("healthcheck", {})) <= HEALTHCHECK_KEYS, name
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services(), f"{name} depends on unknown {dependency}"
            assert condition["condition"] in DEPENDS_ON_CONDITIONS, name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in data["volumes"], f"{name}: undeclared volume {source}"
        for network in service.get("networks", []):
            assert network in data["networks"], name


def test_compose_runs_the_whole_platform() -> None:
    expected = {"postgres", "redis", "migrate", "api1", "api2", "worker", "nginx"}
    assert expected | {"prometheus", "grafana"} <= set(services())
    assert set(app_services()) == APP_SERVICES


def test_every_app_service_runs_an_iworkz_command_on_one_image() -> None:
    subcommands = {}
    for name, service in app_services().items():
        assert service["image"].split(":")[0] == IMAGE_REPOSITORY
        assert service["build"]["dockerfile"] == "docker/Dockerfile"
        assert (DOCKER / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        subcommands[name] = assert_iworkz_command(service["command"], f"compose {name}")
    assert len({s["image"] for s in app_services().values()}) == 1
    assert subcommands == {
        "migrate": "migrate",
        "api1": "serve",
        "api2": "serve",
        "worker": "worker",
        "backup": "backup",
    }
    for name in ("api1", "api2"):
        assert services()[name]["command"][-2:] == ["--host", "0.0.0.0"]


def test_migrations_run_once_before_any_api_or_worker_starts() -> None:
    for name in ("api1", "api2", "worker"):
        depends = services()[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        env = compose_environment(services()[name])
        assert settings_from(env).migrate_on_start_enabled is False, name
    assert services()["migrate"]["restart"] == "no"
    assert services()["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    nginx = services()["nginx"]["depends_on"]
    assert {name: nginx[name]["condition"] for name in nginx} == {
        "api1": "service_healthy",
        "api2": "service_healthy",
    }


def test_compose_sets_only_real_settings_and_enough_for_production() -> None:
    """Every variable given to the app is a setting (a typo would be silently ignored), and
    with docker/.env.example's values they pass production's validation."""
    names = names_the_code_reads()
    for name, service in app_services().items():
        env = compose_environment(service)
        unknown = set(env) - names
        assert not unknown, f"compose {name} sets variables no setting reads: {unknown}"
        settings = settings_from(env)
        assert settings.environment == "production"
        assert settings.chain_rpc_url and settings.chain_anchor_private_key, name
        for url in (settings.database_url, settings.redis_url):
            assert url is not None
            host = make_url(url).host
            assert host in services(), f"compose {name}: {url} names no service"


def test_production_chain_settings_are_required_by_compose_and_the_secret() -> None:
    """Production refuses to start without a chain node (server/settings.py): compose says so
    before starting anything, and every pod takes both from the Secret, not optionally."""
    text = (DOCKER / "compose.yaml").read_text()
    for name in ("CHAIN_RPC_URL", "CHAIN_ANCHOR_PRIVATE_KEY"):
        assert re.search(rf"\b{name}: \$\{{{name}:\?", text), name
        for where, container in app_containers():
            assert name in k8s_environment(container)[2], f"{where}: {name}"
    without = {
        key: value
        for key, value in compose_environment(services()["api1"]).items()
        if key != "CHAIN_RPC_URL"
    }
    with pytest.raises(ValueError, match="CHAIN_RPC_URL is required in production"):
        settings_from(without)


def test_the_read_replica_is_optional_and_wired_to_the_api() -> None:
    """DATABASE_REPLICA_URL (a password inside) comes from the Secret, optionally, on the
    API pods; compose passes it through when docker/.env sets it."""
    _, secrets, required = k8s_environment(api_container())
    assert "DATABASE_REPLICA_URL" in secrets and "DATABASE_REPLICA_URL" not in required
    config = k8s_named("ConfigMap", "iworkz-config")["data"]
    assert "DATABASE_REPLICA_URL" not in config
    assert {"DATABASE_REPLICA_MAX_LAG_SECONDS", "DATABASE_REPLICA_CHECK_INTERVAL_SECONDS"} <= set(
        config
    )
    for name in ("api1", "api2"):
        assert compose_environment(services()[name])["DATABASE_REPLICA_URL"] is None, name


def test_every_setting_has_a_default_or_is_set() -> None:
    set_somewhere = {
        key for service in app_services().values() for key in compose_environment(service)
    }
    for _, container in app_containers():
        values, secrets, _ = k8s_environment(container)
        set_somewhere |= set(values) | secrets
    for field, info in Settings.model_fields.items():
        assert not info.is_required() or field.upper() in set_somewhere, field


def test_env_example_holds_every_required_variable_and_no_secret() -> None:
    example = parse_dotenv(DOCKER / ".env.example")
    text = (DOCKER / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    assert required, "compose requires its secrets with ${VAR:?message}"
    assert required <= set(example), required - set(example)
    for key in required - {"DATA_ENCRYPTION_ACTIVE_KEY"}:
        assert re.search(r"change-me|REPLACE", example[key]), f"{key} looks like a real value"


def test_compose_healthchecks_run_what_the_image_has() -> None:
    api = services()["api1"]["healthcheck"]["test"]
    assert api[0] == "CMD" and api[1:] == ["python", "/opt/iworkz/healthcheck.py"]
    assert "COPY docker/healthcheck.py /opt/iworkz/healthcheck.py" in dockerfile()
    worker = services()["worker"]["healthcheck"]["test"]
    assert worker[0] == "CMD"
    assert assert_iworkz_command(worker[1:], "worker healthcheck") == "worker"
    assert "--check" in worker
    for one_shot in ("migrate", "backup"):
        assert services()[one_shot]["healthcheck"] == {"disable": True}
    for name in ("postgres", "redis", "api1", "api2", "worker", "nginx"):
        assert "healthcheck" in services()[name], name


def test_bind_mounts_exist() -> None:
    """Including the observability files (docker/prometheus, docker/grafana)."""
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), f"{name} mounts missing {source}"
    grafana = set(services()["grafana"]["volumes"])
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
    assert "./grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana


def test_prometheus_scrapes_the_compose_services_on_their_ports() -> None:
    config = DOCKER / "prometheus" / "prometheus.yml"
    assert config.is_file(), "docker/prometheus/prometheus.yml (the observability work)"
    targets = {
        target
        for job in yaml.safe_load(config.read_text()).get("scrape_configs", [])
        for static in job.get("static_configs", [])
        for target in static.get("targets", [])
    }
    for target in targets:
        host, _, port = target.partition(":")
        if host in ("localhost", "127.0.0.1", "prometheus"):
            continue
        assert host in services(), f"prometheus scrapes unknown {target}"
        assert port in services()[host].get("expose", []), f"{target} is not exposed"
    assert {"api1:8000", "api2:8000", "worker:9100"} <= targets


def test_state_lives_in_volumes_and_ports_stay_on_localhost() -> None:
    for name, service in app_services().items():
        assert service["read_only"] is True, name
        assert "/tmp" in service["tmpfs"], name
    for name in ("api1", "api2", "worker", "migrate"):
        assert f"app-data:{DATA_DIR}" in services()[name]["volumes"], name
    assert "backups:/backups" in services()["backup"]["volumes"]
    for name, service in services().items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} to the network"


def test_nginx_balances_both_apis_with_websockets() -> None:
    conf = (DOCKER / "nginx.conf").read_text()
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services()["nginx"]["volumes"]
    upstream = re.search(r"upstream iworkz_api \{(.*?)\}", conf, re.S)
    assert upstream
    servers = re.findall(r"server (\S+?):(\d+)", upstream.group(1))
    assert sorted(servers) == [("api1", "8000"), ("api2", "8000")]
    for host, port in servers:
        assert port in services()[host]["expose"]
        assert str(settings_from(compose_environment(services()[host])).port) == port
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_http_version 1.1;" in conf
    assert "X-Forwarded-For" in conf  # FORWARDED_ALLOW_IPS trusts it
    listen = re.search(r"listen (\d+);", conf)
    assert listen and services()["nginx"]["ports"] == [f"127.0.0.1:8080:{listen.group(1)}"]
    health = services()["nginx"]["healthcheck"]["test"]
    assert any("/nginx-health" in part for part in health)
    assert "location = /nginx-health" in conf


# --- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_runtime_stage_is_small_non_root_and_healthchecked() -> None:
    build, runtime = dockerfile_stages()
    assert " AS build" in build.splitlines()[0]
    assert runtime.startswith("FROM python:3.11-slim")
    assert "HEALTHCHECK" in runtime
    user = re.findall(r"(?m)^USER (\S+)", runtime)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"useradd[^\n]*--uid 10001", runtime)
    # No compilers, and no package lists or caches left behind.
    assert not re.search(r"\b(gcc|g\+\+|build-essential|make|clang)\b", runtime)
    assert "apt-get install" in runtime and "rm -rf /var/lib/apt/lists/*" in runtime
    assert "COPY --from=build /opt/iworkz /opt/iworkz" in runtime
    cmd = re.findall(r"(?m)^CMD (\[.*\])", runtime)
    assert cmd and assert_iworkz_command(yaml.safe_load(cmd[-1]), "Dockerfile CMD") == "serve"


def test_one_postgresql_major_version_everywhere() -> None:
    """The image's pg_dump must match the server compose and CI run."""
    arg = re.search(r"(?m)^ARG PG_MAJOR=(\d+)", dockerfile())
    assert arg
    major = int(arg.group(1))
    assert postgres_major_of(services()["postgres"]["image"]) == major
    ci_postgres = workflow()["jobs"]["test"]["services"]["postgres"]["image"]
    assert postgres_major_of(ci_postgres) == major


def test_build_context_keeps_secrets_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", "**/.env", ".git", "tests"):
        assert pattern in ignored, pattern
    assert "docker/.env" in (ROOT / ".gitignore").read_text().split()


# --- Kubernetes ---------------------------------------------------------------------------


def test_kustomization_lists_every_manifest_and_sets_the_image() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    present = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present
    assert [image["name"] for image in kustomization["images"]] == [IMAGE_REPOSITORY]
    assert kustomization["namespace"] == k8s_named("Namespace", "iworkz")["metadata"]["name"]


def test_no_secret_is_in_the_repository() -> None:
    assert not k8s("Secret")
    text = "\n".join(path.read_text() for path in K8S.glob("*.yaml"))
    assert "BEGIN PRIVATE KEY" not in text and "stringData" not in text


def test_every_container_runs_an_iworkz_command_on_the_one_image() -> None:
    commands = {}
    for where, container in app_containers():
        assert container["image"].split(":")[0] == IMAGE_REPOSITORY, where
        commands[where] = assert_iworkz_command(container["command"], where)
    assert commands == {
        "Job/iworkz-migrate/migrate": "migrate",
        "Deployment/iworkz-api/wait-for-migrations": "migrate",
        "Deployment/iworkz-api/api": "serve",
        "Deployment/iworkz-worker/wait-for-migrations": "migrate",
        "Deployment/iworkz-worker/worker": "worker",
        "CronJob/iworkz-backup/backup": "backup",
    }
    for name in ("iworkz-api", "iworkz-worker"):
        init = pod_spec(k8s_named("Deployment", name))["initContainers"][0]
        assert init["command"][1:3] == ["migrate", "--check"], "init containers never migrate"


def test_every_container_sets_only_real_settings_and_enough_for_production() -> None:
    names = names_the_code_reads()
    placeholders = {
        key: value for key, value in parse_dotenv(DOCKER / ".env.example").items() if key in names
    }
    placeholders |= {
        "DATABASE_URL": "postgresql://iworkz@db.internal:5432/iworkz",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "CHAIN_RPC_URL": "https://rpc.example",
        "CHAIN_ANCHOR_PRIVATE_KEY": "0x" + "11" * 32,
    }
    for where, container in app_containers():
        values, secrets, required = k8s_environment(container)
        unknown = (set(values) | secrets) - names
        assert not unknown, f"{where} sets variables no setting reads: {unknown}"
        given = dict(values) | {key: placeholders[key] for key in required}
        settings = settings_from(given)  # production's validation passes
        assert settings.environment == "production", where
        assert settings.migrate_on_start_enabled is False, where
        assert settings.chain_rpc_url, f"{where}: pods cannot share an embedded chain"


def test_pods_run_non_root_read_only_with_requests_and_limits() -> None:
    for workload in workloads():
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True, name
        assert pod_security["runAsUser"] == 10001, name
        assert spec["automountServiceAccountToken"] is False, name
        assert (
            spec["serviceAccountName"] == k8s_named("ServiceAccount", "iworkz")["metadata"]["name"]
        )
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in containers(workload):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert {"/tmp", DATA_DIR} <= set(mounts), f"{where}: nowhere to write"
            assert set(mounts.values()) <= set(volumes), where


def test_selectors_match_the_pods_they_mean() -> None:
    deployments = {d["metadata"]["name"]: d for d in k8s("Deployment")}
    for deployment in deployments.values():
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels(deployment).items(), deployment["metadata"]

    def selected(selector: dict[str, str]) -> list[str]:
        return [
            name
            for name, deployment in deployments.items()
            if selector.items() <= pod_labels(deployment).items()
        ]

    assert selected(k8s_named("Service", "iworkz-api")["spec"]["selector"]) == ["iworkz-api"]
    assert selected(
        k8s_named("PodDisruptionBudget", "iworkz-api")["spec"]["selector"]["matchLabels"]
    ) == ["iworkz-api"]
    assert selected(
        k8s_named("PodDisruptionBudget", "iworkz-worker")["spec"]["selector"]["matchLabels"]
    ) == ["iworkz-worker"]
    for policy in k8s("NetworkPolicy"):
        match = policy["spec"]["podSelector"].get("matchLabels")
        if match:
            assert len(selected(match)) == 1, policy["metadata"]["name"]


def test_each_deployment_has_an_autoscaler_aimed_at_it() -> None:
    targets = []
    for hpa in k8s("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        deployment = k8s_named("Deployment", target["name"])
        assert hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"]
        assert hpa["spec"]["minReplicas"] >= 2, "one pod is no availability"
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        targets.append(target["name"])
    assert sorted(targets) == sorted(d["metadata"]["name"] for d in k8s("Deployment"))


def container_ports(container: dict[str, Any]) -> dict[str, int]:
    return {port["name"]: port["containerPort"] for port in container.get("ports", [])}


def api_container() -> dict[str, Any]:
    return pod_spec(k8s_named("Deployment", "iworkz-api"))["containers"][0]


def test_api_probes_hit_real_routes_on_the_served_port() -> None:
    api = api_container()
    ports = container_ports(api)
    values, _, _ = k8s_environment(api)
    assert ports == {"http": int(values["PORT"])}
    probes = {kind: api[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe")}
    probes["readinessProbe"] = api["readinessProbe"]["httpGet"]
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == "/readyz"
    for kind, probe in probes.items():
        assert route_exists(probe["path"]), f"{kind}: no route {probe['path']}"
        assert probe["port"] in ports, kind


def test_worker_probes_run_the_worker_check() -> None:
    worker = pod_spec(k8s_named("Deployment", "iworkz-worker"))["containers"][0]
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        command = worker[kind]["exec"]["command"]
        assert assert_iworkz_command(command, kind) == "worker" and "--check" in command


def test_termination_drains_before_the_grace_period_ends() -> None:
    for name in ("iworkz-api", "iworkz-worker"):
        spec = pod_spec(k8s_named("Deployment", name))
        container = spec["containers"][0]
        values, _, _ = k8s_environment(container)
        drain = int(values["GRACEFUL_SHUTDOWN_SECONDS"])
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {})
        sleep = int(pre_stop["command"][1]) if pre_stop else 0
        assert spec["terminationGracePeriodSeconds"] >= sleep + drain + 10, name
    api = api_container()
    assert api["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    strategy = k8s_named("Deployment", "iworkz-api")["spec"]["strategy"]
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_service_and_ingress_agree_on_ports_routes_and_tls() -> None:
    service = k8s_named("Service", "iworkz-api")
    service_ports = {port["name"]: port for port in service["spec"]["ports"]}
    api_ports = container_ports(api_container())
    for port in service_ports.values():
        assert port["targetPort"] in api_ports or port["targetPort"] in api_ports.values()
    ingress = k8s_named("Ingress", "iworkz-api")
    hosts = set()
    for rule in ingress["spec"]["rules"]:
        hosts.add(rule["host"])
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            port = backend["port"]
            assert port.get("name") in service_ports or port.get("number") in {
                p["port"] for p in service_ports.values()
            }
            prefix = path["pathType"] == "Prefix"
            assert route_exists(path["path"], prefix=prefix), path["path"]
    exposed = {path["path"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert "/graphql" in exposed
    assert not exposed & {"/metrics", "/healthz", "/readyz", "/chain/rpc", "/"}
    tls_hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    assert hosts <= tls_hosts
    assert all(tls.get("secretName") for tls in ingress["spec"]["tls"])
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    config = k8s_named("ConfigMap", "iworkz-config")["data"]
    assert config["PUBLIC_BASE_URL"] == f"https://{sorted(hosts)[0]}"


def test_network_policies_name_real_ports() -> None:
    for policy in k8s("NetworkPolicy"):
        match = policy["spec"]["podSelector"].get("matchLabels")
        if not match:
            assert policy["spec"]["policyTypes"] == ["Ingress"]  # the default deny
            continue
        deployment = next(d for d in k8s("Deployment") if match.items() <= pod_labels(d).items())
        ports = container_ports(pod_spec(deployment)["containers"][0])
        for rule in policy["spec"]["ingress"]:
            for port in rule["ports"]:
                assert port["port"] in ports, policy["metadata"]["name"]


def test_worker_metrics_port_is_where_prometheus_looks() -> None:
    worker = pod_spec(k8s_named("Deployment", "iworkz-worker"))["containers"][0]
    values, _, _ = k8s_environment(worker)
    default = Settings.model_fields["worker_metrics_port"].default
    port = int(values.get("WORKER_METRICS_PORT", default))
    assert container_ports(worker) == {"metrics": port}
    assert str(port) in services()["worker"]["expose"]
    annotations = k8s_named("Deployment", "iworkz-worker")["spec"]["template"]["metadata"]
    assert annotations["annotations"]["prometheus.io/port"] == str(port)


def test_backups_run_nightly_onto_a_declared_volume() -> None:
    cronjob = k8s_named("CronJob", "iworkz-backup")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    container = pod_spec(cronjob)["containers"][0]
    command = container["command"]
    assert command[:3] == ["iworkz", "backup", "/backups"] and "--keep" in command
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volume = next(v for v in pod_spec(cronjob)["volumes"] if v["name"] == mounts["/backups"])
    claim = volume["persistentVolumeClaim"]["claimName"]
    assert k8s_named("PersistentVolumeClaim", claim)
    migrate = k8s_named("Job", "iworkz-migrate")
    assert migrate["spec"]["template"]["spec"]["restartPolicy"] == "Never"


# --- GitHub Actions -----------------------------------------------------------------------


def test_workflow_runs_bin_test_against_service_containers() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    job = data["jobs"]["test"]
    postgres, redis = job["services"]["postgres"], job["services"]["redis"]
    assert postgres["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert "5432:5432" in postgres["ports"] and "pg_isready" in postgres["options"]
    assert redis["image"].startswith("redis:") and "6379:6379" in redis["ports"]
    steps = [step.get("run", "") for step in job["steps"]]
    assert "bin/test" in steps, "the same checks as .ci/run"
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert ci_run.rstrip().endswith("exec bin/test")

    # Whatever tests/conftest.py reads from the environment points at those services.
    conftest = (ROOT / "tests" / "conftest.py").read_text()
    read = dict(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)",\s*"([^"]+)"', conftest))
    assert read, "tests/conftest.py reads TEST_DATABASE_ADMIN_URL and TEST_REDIS_URL"
    for name, default in read.items():
        assert job["env"].get(name, default) == default, name
    assert read["TEST_DATABASE_ADMIN_URL"].startswith("postgresql://postgres@127.0.0.1:5432/")
    assert read["TEST_REDIS_URL"].startswith("redis://127.0.0.1:6379")


def test_workflow_builds_the_image_after_the_tests() -> None:
    data = workflow()
    job = data["jobs"]["image"]
    assert job["needs"] == "test"
    assert data["env"]["IMAGE"] == IMAGE_REPOSITORY
    build = next(step for step in job["steps"] if "build-push-action" in step.get("uses", ""))
    assert build["with"]["file"] == "docker/Dockerfile"
    assert build["with"]["context"] == "."
    assert build["with"]["tags"].startswith("${{ env.IMAGE }}:")
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "kubectl kustomize deploy/k8s" in runs
    assert "docker compose -f docker/compose.yaml" in runs


def test_workflow_gives_compose_every_variable_it_requires() -> None:
    """The compose step writes docker/.env: every `${VAR:?}` of compose.yaml must be in it,
    or `up` stops before anything starts (CHAIN_RPC_URL from a throwaway anvil)."""
    job = workflow()["jobs"]["image"]
    up = next(step["run"] for step in job["steps"] if "> docker/.env" in step.get("run", ""))
    written = set(re.findall(r'print\(f?"([A-Z0-9_]+)=', up))
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", (DOCKER / "compose.yaml").read_text()))
    assert required <= written, required - written
    assert "host.docker.internal:host-gateway" in compose()["x-app"]["extra_hosts"]
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "@foundry-rs/anvil --host 0.0.0.0 --port 8545" in runs
