"""The typed TypeScript client: GraphQL Code Generator turns the SDL (schema/schema.graphql)
and the apps' operations (clients/js/operations/*.graphql) into typed documents, and
`tsc --noEmit` checks the code that uses them (clients/js/src/typed-client.ts). The build
passes against today's schema and fails for each kind of breaking change."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from graphql import ObjectTypeDefinitionNode, parse, parse_type, print_ast

from tests.clients.node import JS_DIR, NodeResult, run_node

pytestmark = pytest.mark.usefixtures("npm_packages")

SCHEMA = JS_DIR.parents[1] / "schema" / "schema.graphql"


def project_copy(directory: Path, sdl: str) -> Path:
    """clients/js's typed client (no generated code) beside the given SDL, sharing the
    installed packages, so a build here never touches the repository."""
    project = directory / "typed-client"
    project.mkdir()
    for name in ("package.json", "codegen.ts", "tsconfig.json"):
        shutil.copy(JS_DIR / name, project / name)
    shutil.copytree(JS_DIR / "operations", project / "operations")
    (project / "src").mkdir()
    shutil.copy(JS_DIR / "src" / "typed-client.ts", project / "src" / "typed-client.ts")
    (project / "node_modules").symlink_to(JS_DIR / "node_modules")
    (project / "schema.graphql").write_text(sdl)
    return project


async def build(project: Path) -> tuple[NodeResult, NodeResult | None]:
    """`npm run build:typed` in that copy: codegen, then (when it succeeded) tsc."""
    env = {"IWORKZ_SCHEMA": str(project / "schema.graphql"), "NO_COLOR": "1", "CI": "1"}
    codegen = await run_node(
        JS_DIR / "node_modules/@graphql-codegen/cli/esm/bin.js",
        "--config",
        "codegen.ts",
        cwd=project,
        env=env,
        timeout=300,
    )
    if codegen.returncode != 0:
        return codegen, None
    tsc = await run_node(
        JS_DIR / "node_modules/typescript/bin/tsc",
        "--noEmit",
        "-p",
        "tsconfig.json",
        cwd=project,
        env=env,
        timeout=300,
    )
    return codegen, tsc


def edited(sdl: str, type_name: str, field_name: str, edit: Callable[[Any], Any]) -> str:
    """The SDL with one field of one type replaced by `edit(field)` (None removes it)."""
    document = parse(sdl)
    definitions = list(document.definitions)
    for index, definition in enumerate(definitions):
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == type_name:
            names = [field.name.value for field in definition.fields]
            assert field_name in names, f"{type_name}.{field_name}"
            fields = [edit(f) if f.name.value == field_name else f for f in definition.fields]
            definitions[index] = replace(definition, fields=tuple(f for f in fields if f))
            return print_ast(replace(document, definitions=tuple(definitions)))
    raise AssertionError(f"no type {type_name}")


def retyped(type_sdl: str) -> Callable[[Any], Any]:
    return lambda field: replace(field, type=parse_type(type_sdl))


def with_argument(argument_sdl: str) -> Callable[[Any], Any]:
    holder = parse(f"type T {{ f({argument_sdl}): Int }}").definitions[0]
    assert isinstance(holder, ObjectTypeDefinitionNode)
    added = holder.fields[0].arguments
    return lambda field: replace(field, arguments=(*field.arguments, *added))


async def test_the_typed_client_builds_against_the_schema(tmp_path):
    project = project_copy(tmp_path, SCHEMA.read_text())
    codegen, tsc = await build(project)

    assert codegen.returncode == 0, codegen.stdout + codegen.stderr
    assert tsc is not None and tsc.returncode == 0, tsc and tsc.stdout + tsc.stderr
    generated = (project / "src" / "gql" / "graphql.ts").read_text()
    for operation in (
        "JobSearchPageQuery",
        "WorkerProfileQuery",
        "ApplyToJobMutation",
        "RecommendedJobsQuery",
        "NotificationsFeedSubscription",
        "VerifyCredentialQuery",
    ):
        assert f"export type {operation} = " in generated
        assert (
            f"export const {operation.removesuffix('Query').removesuffix('Mutation').removesuffix('Subscription')}Document"
            in generated
        )
    # The types are the schema's: a non-null String is a string, a nullable field may be null.
    page = re.search(r"export type JobSearchPageQuery = (.*);", generated)
    assert page is not None
    assert "title: string," in page.group(1)
    assert "location: { prefecture: Prefecture, city: string } | null" in page.group(1)


BREAKING_CHANGES = {
    # A field an operation selects is removed: codegen refuses the operation.
    "removed field": (
        lambda sdl: edited(sdl, "Job", "title", lambda field: None),
        "codegen",
        'Cannot query field "title" on type "Job"',
    ),
    # A new required argument: every call without it is now invalid.
    "new required argument": (
        lambda sdl: edited(sdl, "Query", "verifyCredential", with_argument("issuerId: ID!")),
        "codegen",
        'argument "issuerId" of type "ID!" is required',
    ),
    # Same name, another type: the documents still validate, the code using them does not.
    "retyped field": (
        lambda sdl: edited(sdl, "Job", "title", retyped("Int!")),
        "tsc",
        "Type 'number' is not assignable to type 'string'",
    ),
    # A field that may now be null: the code reading it without a check stops compiling.
    "field made nullable": (
        lambda sdl: edited(sdl, "Job", "organization", retyped("Organization")),
        "tsc",
        "'node.organization' is possibly 'null'",
    ),
}


@pytest.mark.parametrize("change", list(BREAKING_CHANGES))
async def test_a_breaking_schema_change_fails_the_build(tmp_path, change):
    edit, failing_step, message = BREAKING_CHANGES[change]
    sdl = SCHEMA.read_text()
    broken = edit(sdl)
    assert broken != sdl
    codegen, tsc = await build(project_copy(tmp_path, broken))

    if failing_step == "codegen":
        assert codegen.returncode != 0
        assert tsc is None
        output = codegen.stdout + codegen.stderr
    else:
        assert codegen.returncode == 0, codegen.stdout + codegen.stderr
        assert tsc is not None and tsc.returncode != 0
        output = tsc.stdout + tsc.stderr
        assert "src/typed-client.ts" in output
    assert message in output, output
