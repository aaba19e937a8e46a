"""docs/api.md, the partners' guide: every example in it runs against the real server.

Each fenced block carries `example=NAME` in its info string. The runnable block of an
example (GraphQL, curl, `iworkz verify`, JavaScript under node, Python) runs in document
order, with `<PLACEHOLDERS>` filled from data made here and from earlier examples'
`capture=`; its result must be free of errors (or show the `expect=`ed one) and match the
shape of the example's `part=response` / `part=output` block. The end of docs/api.md
describes the markers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shlex
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from domain.auth.partners import PartnerScope, create_partner_client
from domain.auth.principal import Role
from domain.auth.service import create_user
from domain.webhooks.signature import sign_webhook
from tests.clients.node import (
    ensure_npm_packages,
    event_listeners,
    listeners_above,
    node_stream,
    run_node,
)
from tests.credentials.api import anchor_now, issue, trusted_issuer, worker_with_profile
from tests.factories import UPDATE_JOB, create_job
from tests.graphql_client import data, gql, register
from tests.live import running_app

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
API = "https://api.iworkz.example"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")
ENUM_LIKE = re.compile(r"^[A-Z][A-Z0-9_]*$")
RUNNABLE = {"graphql", "sh", "js", "python"}
PARTS = {"variables", "response", "output"}
NIGHT_SHIFT_TITLE = "倉庫内ピッキング・フォークリフト（夜勤）"


@dataclass
class Block:
    language: str
    attributes: dict[str, str]
    text: str
    line: int


@dataclass
class Example:
    name: str
    main: Block | None = None
    parts: dict[str, Block] = field(default_factory=dict)

    @property
    def attributes(self) -> dict[str, str]:
        assert self.main is not None
        return self.main.attributes

    def part_json(self, part: str) -> Any:
        block = self.parts.get(part)
        return None if block is None else json.loads(block.text)


def blocks(markdown: str) -> list[Block]:
    found = []
    for match in FENCE.finditer(markdown):
        info = match.group(1).split()
        attributes = dict(token.split("=", 1) for token in info[1:] if "=" in token)
        line = markdown.count("\n", 0, match.start()) + 1
        found.append(Block(info[0] if info else "", attributes, match.group(2), line))
    return found


def examples(markdown: str) -> list[Example]:
    """The examples in document order (the order of their runnable blocks)."""
    by_name: dict[str, Example] = {}
    for block in blocks(markdown):
        name = block.attributes["example"]
        example = by_name.setdefault(name, Example(name))
        part = block.attributes.get("part")
        if part is None:
            assert example.main is None, f"line {block.line}: a second block runs {name}"
            example.main = block
        else:
            assert part not in example.parts, f"line {block.line}: {name} has two {part} blocks"
            example.parts[part] = block
    return sorted(by_name.values(), key=lambda e: e.main.line if e.main else 0)


def test_every_block_of_the_guide_is_part_of_a_runnable_example():
    markdown = DOC.read_text()
    found = blocks(markdown)
    assert len(found) > 20
    for block in found:
        assert "example" in block.attributes, f"docs/api.md line {block.line}: no example= marker"
        part = block.attributes.get("part")
        if part is None:
            assert block.language in RUNNABLE, f"line {block.line}: cannot run {block.language}"
        else:
            assert part in PARTS, f"line {block.line}: unknown part={part}"
            if block.language == "json":
                json.loads(block.text)  # a documented JSON value is valid JSON
    for example in examples(markdown):
        assert example.main is not None, f"{example.name}: parts but nothing to run"
    # Three fences per example at most is not a rule; an unclosed fence would swallow text.
    assert markdown.count("```") % 2 == 0


def test_the_persisted_query_hash_in_the_guide_is_its_querys_sha256():
    markdown = DOC.read_text()
    query = "{ jobs(first: 1) { totalCount } }"
    assert f"for the query `{query}`" in markdown
    digests = set(re.findall(r'"sha256Hash":\s*"([0-9a-f]{64})"', markdown))
    assert digests == {hashlib.sha256(query.encode()).hexdigest()}


# --- comparing documented results with real ones -------------------------------------------


def assert_shape(documented: Any, actual: Any, path: str = "$") -> None:
    """Same keys (the documented ones must all be there), same JSON types, equal lists'
    lengths, and equal values where the value is the point: enum-like strings, booleans,
    null. Ids, times, tokens and counts are illustrative."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{path}: documented an object, got {actual!r}"
        missing = set(documented) - set(actual)
        assert not missing, f"{path}: documented {sorted(missing)}, got {sorted(actual)}"
        for key, value in documented.items():
            assert_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(documented, list):
        assert isinstance(actual, list), f"{path}: documented a list, got {actual!r}"
        assert len(actual) == len(documented), (
            f"{path}: {len(documented)} documented, got {actual!r}"
        )
        for index, (doc_item, item) in enumerate(zip(documented, actual, strict=True)):
            assert_shape(doc_item, item, f"{path}[{index}]")
    elif documented is None or isinstance(documented, bool):
        assert actual is documented, f"{path}: documented {documented!r}, got {actual!r}"
    elif isinstance(documented, str):
        assert isinstance(actual, str), f"{path}: documented a string, got {actual!r}"
        if ENUM_LIKE.match(documented):
            assert actual == documented, f"{path}: documented {documented}, got {actual}"
    elif isinstance(documented, int):
        assert isinstance(actual, int) and not isinstance(actual, bool), f"{path}: {actual!r}"
    else:
        assert isinstance(actual, int | float) and not isinstance(actual, bool), f"{path}"


def assert_expected(example: Example, result: Any, status: int | None) -> None:
    """No errors at all, unless `expect=` names the code, the HTTP status or user-errors."""
    expect = example.attributes.get("expect")
    top_errors = result.get("errors") if isinstance(result, dict) else None
    codes = [error.get("extensions", {}).get("code") for error in top_errors or []]
    if expect is None or expect == "user-errors":
        assert status is None or 200 <= status < 300, f"{example.name}: HTTP {status}: {result}"
        assert not top_errors, f"{example.name}: {top_errors}"
        user_errors = list(payload_errors(result.get("data") if isinstance(result, dict) else None))
        if expect == "user-errors":
            assert user_errors, f"{example.name}: expected UserErrors, got {result}"
        else:
            assert not user_errors, f"{example.name}: {user_errors}"
    elif expect.isdigit():
        assert status == int(expect), f"{example.name}: HTTP {status}, not {expect}"
    else:
        assert codes == [expect], f"{example.name}: expected {expect}, got {result}"


def payload_errors(value: Any) -> Any:
    """Every UserError in a result: the items of non-empty `errors` lists under `data`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "errors" and isinstance(item, list):
                yield from item
            elif key != "extensions":
                yield from payload_errors(item)
    elif isinstance(value, list):
        for item in value:
            yield from payload_errors(item)


def at_path(value: Any, path: str) -> Any:
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


# --- the world the examples run in ----------------------------------------------------------


@dataclass
class World:
    live: str
    http: httpx.AsyncClient
    services: Any
    directory: Path
    values: dict[str, Any]
    last_response: httpx.Response | None = None

    @property
    def base(self) -> str:
        return f"http://{self.live}"

    def fill_text(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.values, f"no value for <{name}>"
            return str(self.values[name])

        return PLACEHOLDER.sub(value, text).replace(API, self.base)

    def fill_json(self, value: Any) -> Any:
        """Placeholders in a JSON value: a string that is one placeholder becomes the value
        itself (an object stays an object), others are filled in as text."""
        if isinstance(value, dict):
            return {key: self.fill_json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill_json(item) for item in value]
        if isinstance(value, str):
            whole = PLACEHOLDER.fullmatch(value)
            if whole:
                assert whole.group(1) in self.values, f"no value for {value}"
                return self.values[whole.group(1)]
            return self.fill_text(value)
        return value

    def capture(self, example: Example, result: Any) -> None:
        spec = example.attributes.get("capture")
        for item in spec.split(",") if spec else []:
            name, path = item.split(":", 1)
            self.values[name] = at_path(result, path)
            assert self.values[name], f"{example.name}: captured nothing at {path}"


async def build_world(live: str, http: httpx.AsyncClient, services: Any, directory: Path) -> World:
    values: dict[str, Any] = {"BAD_TOKEN": "not-a-real-access-token"}
    employer = await register(http, "hr@sakura.example", "EMPLOYER", "Sakura Logistics KK")
    values["EMPLOYER_TOKEN"] = employer.token
    jobs = [
        await create_job(
            http, employer.token, publish=True, title=f"倉庫内ピッキング・フォークリフト {n}"
        )
        for n in (1, 2, 3)
    ]
    values["JOB_ID"] = jobs[-1]["id"]
    aiko = await gql(
        http,
        """mutation($input: RegisterInput!) { register(input: $input) { errors { code } } }""",
        {
            "input": {
                "email": "aiko@example.com",
                "password": "a long password",
                "displayName": "Aiko",
                "role": "WORKER",
            }
        },
    )
    assert data(aiko)["register"]["errors"] == []
    async with services.database.transaction(services.bus, services.queue) as uow:
        owner = await create_user(
            uow,
            email="feeds@agency.example",
            password="a long partner password",
            display_name="Agency",
            roles=[Role.PARTNER],
        )
        client = await create_partner_client(
            uow, owner.id, "Job board feed", [PartnerScope.JOBS_READ, PartnerScope.WRITE]
        )
    values["CLIENT_ID"], values["CLIENT_SECRET"] = client.client_id, client.client_secret

    issuer = await trusted_issuer(http, services)
    worker, worker_id = await worker_with_profile(http, "holder@example.com")
    credential = await issue(http, issuer, worker_id)
    await anchor_now(services)
    query = "query($id: ID!) { node(id: $id) { ... on Credential { document } } }"
    document = data(await gql(http, query, {"id": credential["id"]}, worker.token))["node"][
        "document"
    ]
    values["CREDENTIAL_DOCUMENT"] = document
    status_url = urlsplit(document["credentialStatus"]["statusListCredential"])
    values["STATUS_LIST_URL"] = f"http://{live}{status_url.path}"
    (directory / "credential.json").write_text(json.dumps(document))
    return World(live, http, services, directory, values)


# --- runners, one per kind of block ------------------------------------------------------------


async def run_graphql(world: World, example: Example) -> Any:
    assert example.main is not None
    token_name = example.attributes.get("token")
    headers = {}
    if token_name:
        headers["Authorization"] = f"Bearer {world.values[token_name]}"
    variables = world.fill_json(example.part_json("variables") or {})
    response = await world.http.post(
        "/graphql", json={"query": example.main.text, "variables": variables}, headers=headers
    )
    result = response.json()
    assert_expected(example, result, response.status_code)
    return result


def shell_commands(text: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        shlex.split(line)
        for line in joined.splitlines()
        if line.strip() and not line.startswith("#")
    ]


async def curl(world: World, args: list[str]) -> httpx.Response:
    """The few curl options the guide uses, as one httpx request."""
    url, method, output, get = None, None, None, False
    data_parts: list[str] = []  # name=value, already form-encoded
    headers: dict[str, str] = {}
    auth = None
    tokens = iter(args[1:])
    for token in tokens:
        if token in ("-s", "--silent", "-S", "--show-error"):
            continue
        if token in ("-G", "--get"):
            get = True
        elif token in ("-d", "--data"):
            data_parts.append(next(tokens))
        elif token == "--data-urlencode":
            name, _, value = next(tokens).partition("=")
            data_parts.append(f"{name}={quote(value, safe='')}")
        elif token in ("-H", "--header"):
            name, _, value = next(tokens).partition(":")
            headers[name.strip()] = value.strip()
        elif token in ("-u", "--user"):
            user, _, password = next(tokens).partition(":")
            auth = (user, password)
        elif token in ("-X", "--request"):
            method = next(tokens)
        elif token in ("-o", "--output"):
            output = next(tokens)
        else:
            assert not token.startswith("-"), f"curl option {token} is not supported here"
            url = token
    assert url is not None, args
    if get:
        url = f"{url}{'&' if '?' in url else '?'}{'&'.join(data_parts)}"
        response = await world.http.request(method or "GET", url, headers=headers, auth=auth)
    elif data_parts:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        response = await world.http.request(
            method or "POST", url, content="&".join(data_parts).encode(), headers=headers, auth=auth
        )
    else:
        response = await world.http.request(method or "GET", url, headers=headers, auth=auth)
    if output is not None:
        (world.directory / output).write_bytes(response.content)
    return response


async def run_sh(world: World, example: Example) -> Any:
    assert example.main is not None
    result: Any = None
    for command in shell_commands(world.fill_text(example.main.text)):
        if command[0] == "curl":
            response = world.last_response = await curl(world, command)
            try:
                result = response.json()
            except ValueError:
                result = response.text
            assert_expected(example, result, response.status_code)
        elif command[0] == "iworkz":
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "server.cli",
                *command[1:],
                cwd=world.directory,
                env={**os.environ, "PYTHONPATH": str(DOC.parents[1])},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), 180)
            assert process.returncode == 0, f"{example.name}: {stdout.decode()}{stderr.decode()}"
            result = stdout.decode()
        else:
            raise AssertionError(f"{example.name}: no runner for `{command[0]}`")
    return result


def assert_output_lines(documented: str, actual: str) -> None:
    """Text output: each documented line's leading words (up to an ellipsis) are there."""
    wanted = [line.split("…")[0].split() for line in documented.strip().splitlines()]
    got = [
        line.split()[: len(want)]
        for line, want in zip(actual.strip().splitlines(), wanted, strict=False)
    ]
    assert len(actual.strip().splitlines()) == len(wanted), actual
    assert got == wanted, actual


async def node_file(world: World, example: Example, name: str) -> Path:
    assert example.main is not None
    path = world.directory / name
    path.write_text(example.main.text)
    modules = world.directory / "node_modules"
    if not modules.exists():
        modules.symlink_to(await ensure_npm_packages() / "node_modules")
    return path


def node_env(world: World, token: str) -> dict[str, str]:
    return {
        "IWORKZ_URL": f"{world.base}/graphql",
        "IWORKZ_WS_URL": f"ws://{world.live}/graphql",
        "IWORKZ_TOKEN": token,
        "JOB_ID": world.values["JOB_ID"],
    }


async def js_apq_urql(world: World, example: Example) -> Any:
    script = await node_file(world, example, "apq-urql.mjs")
    redis = world.services.redis
    prefix = f"{world.services.settings.redis_key_prefix}apq:"
    before = {key async for key in redis.scan_iter(f"{prefix}*")}
    result = await run_node(
        script, env=node_env(world, world.values["PARTNER_TOKEN"]), cwd=world.directory
    )
    after = {key async for key in redis.scan_iter(f"{prefix}*")}
    assert len(after - before) == 1, "urql did not register its query as a persisted query"
    return result.json()


async def js_subscribe_job_events(world: World, example: Example) -> Any:
    script = await node_file(world, example, "subscribe.mjs")
    before = event_listeners()
    async with node_stream(
        script, cwd=world.directory, env=node_env(world, world.values["PARTNER_TOKEN"])
    ) as stream:
        await listeners_above(before)
        edited = await gql(
            world.http,
            UPDATE_JOB,
            {"input": {"id": world.values["JOB_ID"], "title": NIGHT_SHIFT_TITLE}},
            world.values["EMPLOYER_TOKEN"],
        )
        assert data(edited)["updateJob"]["errors"] == []
        code, lines = await stream.finished()
    assert code == 0 and len(lines) == 1, lines
    event = lines[0]
    assert event["job"] == {
        "id": world.values["JOB_ID"],
        "title": NIGHT_SHIFT_TITLE,
        "status": "OPEN",
    }
    return event


def webhook_cases(secret: str) -> list[tuple[str, bytes, str, float, bool]]:
    """(case, body, header, now, accepted): a real delivery, and what must be refused."""
    body = json.dumps(
        {"data": {"jobId": "Sm9iOjE="}, "id": "5f0c", "type": "job.published"},
        separators=(",", ":"),
    ).encode()
    now = time.time()
    signed = sign_webhook(secret, body, int(now))
    rotated = f"{signed},v1={'0' * 64}"
    return [
        ("genuine", body, signed, now, True),
        ("several v1, one right", body, rotated, now, True),
        ("altered body", body.replace(b"published", b"updated"), signed, now, False),
        ("another secret", body, sign_webhook("whsec_not-yours", body, int(now)), now, False),
        ("replayed after 10 minutes", body, signed, now + 600, False),
        ("no signature", body, "t=1", now, False),
    ]


async def js_verify_webhook_node(world: World, example: Example) -> Any:
    await node_file(world, example, "verify-webhook.mjs")
    cases = webhook_cases(world.values["WEBHOOK_SECRET"])
    harness = world.directory / "verify-webhook-harness.mjs"
    harness.write_text(
        "import { verifyIworkzSignature } from './verify-webhook.mjs';\n"
        "const [secret, cases] = JSON.parse(process.argv[2]);\n"
        "console.log(JSON.stringify(cases.map(([body, header, now]) => {\n"
        "  try { verifyIworkzSignature(secret, Buffer.from(body, 'utf8'), header, now);"
        " return true; } catch { return false; }\n"
        "})));\n"
    )
    payload = json.dumps(
        [world.values["WEBHOOK_SECRET"], [[b.decode(), h, n] for _, b, h, n, _ in cases]]
    )
    accepted = (await run_node(harness, payload, cwd=world.directory)).json()
    assert dict(zip([c[0] for c in cases], accepted, strict=True)) == {c[0]: c[4] for c in cases}
    return None


async def python_verify_webhook(world: World, example: Example) -> Any:
    assert example.main is not None
    namespace: dict[str, Any] = {}
    exec(compile(example.main.text, "docs/api.md:verify-webhook-python", "exec"), namespace)
    verify = namespace["verify_iworkz_signature"]
    outcomes = {}
    for case, body, header, now, _ in webhook_cases(world.values["WEBHOOK_SECRET"]):
        try:
            verify(world.values["WEBHOOK_SECRET"], body, header, now=now)
            outcomes[case] = True
        except ValueError:
            outcomes[case] = False
    expected = {c[0]: c[4] for c in webhook_cases(world.values["WEBHOOK_SECRET"])}
    assert outcomes == expected
    return None


def check_cacheable(world: World) -> None:
    """The hash alone over GET, anonymous, public fields only: a CDN may keep the answer."""
    assert world.last_response is not None
    assert world.last_response.headers["cache-control"] == "public, max-age=60"
    assert "Authorization" in world.last_response.headers["vary"]


def check_not_cacheable(world: World) -> None:
    assert world.last_response is not None
    assert "no-store" in world.last_response.headers["cache-control"]


# What the guide says about an example's HTTP response beyond its body.
RESPONSE_CHECKS = {
    "oauth-token": check_not_cacheable,
    "apq-miss": check_not_cacheable,
    "apq-hit": check_cacheable,
}

SPECIAL_RUNNERS = {
    "apq-urql": js_apq_urql,
    "subscribe-job-events": js_subscribe_job_events,
    "verify-webhook-node": js_verify_webhook_node,
    "verify-webhook-python": python_verify_webhook,
}


async def run_example(world: World, example: Example) -> Any:
    assert example.main is not None
    language = example.main.language
    if language == "graphql":
        return await run_graphql(world, example)
    if language == "sh":
        return await run_sh(world, example)
    runner = SPECIAL_RUNNERS.get(example.name)
    assert runner is not None, f"{example.name}: no runner for this {language} example"
    return await runner(world, example)


@pytest.fixture
async def live(settings, services) -> AsyncIterator[str]:
    async with running_app(settings, services) as host:
        yield host


async def test_every_example_in_the_guide_runs(live, services, tmp_path):
    await ensure_npm_packages()
    async with httpx.AsyncClient(base_url=f"http://{live}", timeout=60) as http:
        world = await build_world(live, http, services, tmp_path)
        ran = []
        for example in examples(DOC.read_text()):
            try:
                result = await run_example(world, example)
                world.capture(example, result)
                if example.name in RESPONSE_CHECKS:
                    RESPONSE_CHECKS[example.name](world)
                if "response" in example.parts:
                    assert_shape(example.part_json("response"), result)
                output = example.parts.get("output")
                if output is not None and output.language == "json":
                    assert_shape(json.loads(output.text), result)
                elif output is not None:
                    assert_output_lines(output.text, result)
            except AssertionError as error:
                raise AssertionError(f"docs/api.md example {example.name!r}: {error}") from error
            ran.append(example.name)
    assert len(ran) == len(examples(DOC.read_text())) >= 20
