"""The schema as a contract: compare schema/schema.graphql with the last released SDL.

Partners generate code from the SDL and the apps ship operations that stay in users'
hands for months, so a change that breaks an existing operation (graphql-core's
`find_breaking_changes`: a removed or retyped field, argument or enum value, a new
required argument or input field, a removed type ...) fails `iworkz schema-check`
unless

- what it removes or changes was `@deprecated` in the released SDL (deprecate first,
  release, then remove), or a removed type was only reachable through deprecated fields
  and arguments; or
- it is listed, with a reason, in schema/breaking-changes-allowed.txt.

Dangerous changes (a new enum value, a new optional argument, a changed default) are
reported but pass. docs/api-evolution.md describes the workflow.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    BreakingChangeType,
    GraphQLArgument,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
    get_named_type,
)
from graphql.utilities.resolve_schema_coordinate import (
    ResolvedEnumValue,
    ResolvedField,
    ResolvedFieldArgument,
    ResolvedInputField,
    ResolvedNamedType,
    resolve_schema_coordinate,
)

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
CURRENT = SCHEMA_DIR / "schema.graphql"
BASELINE = SCHEMA_DIR / "released.graphql"
ALLOWED = SCHEMA_DIR / "breaking-changes-allowed.txt"

# The schema coordinate a change is about, from graphql-core's description
# ("Field Job.title was removed.", "Argument Query.jobs(first:) has changed type ...",
# "Enum value JobStatus.OPEN was removed.", "A required argument Query.jobs(x:) was added.").
COORDINATE = re.compile(r"(@?[_A-Za-z]\w*(?:\.[_A-Za-z]\w*(?:\([_A-Za-z]\w*:\))?)?)")
LEADING_WORDS = re.compile(
    r"^(?:Field |Argument |A required argument |A required field |Enum value |"
    r"Standard scalar |Directive |Repeatable flag was removed from )"
)


@dataclass(frozen=True)
class Finding:
    kind: str
    description: str
    coordinate: str | None
    excuse: str | None = None


@dataclass
class Report:
    breaking: list[Finding] = field(default_factory=list)  # not excused: the check fails
    accepted: list[Finding] = field(default_factory=list)
    dangerous: list[Finding] = field(default_factory=list)
    unused_allowances: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaking


def coordinate_of(description: str) -> str | None:
    match = COORDINATE.search(LEADING_WORDS.sub("", description))
    return match.group(1) if match else None


def read_allowed(path: Path) -> dict[str, str]:
    """`Coordinate reason…` per line (`#` starts a comment); a reason is required."""
    allowed: dict[str, str] = {}
    if not path.exists():
        return allowed
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        coordinate, _, reason = text.partition(" ")
        if not reason.strip():
            raise ValueError(f"{path}:{number}: give a reason after {coordinate}")
        allowed[coordinate] = reason.strip()
    return allowed


def compare(baseline_sdl: str, current_sdl: str, allowed: Mapping[str, str]) -> Report:
    baseline, current = build_schema(baseline_sdl), build_schema(current_sdl)
    report = Report()
    used: set[str] = set()
    for change in find_breaking_changes(baseline, current):
        coordinate = coordinate_of(change.description)
        finding = Finding(change.type.name, change.description, coordinate)
        if coordinate is not None and coordinate in allowed:
            used.add(coordinate)
            report.accepted.append(_excused(finding, f"allowed: {allowed[coordinate]}"))
        elif coordinate is not None and _deprecated_before(baseline, coordinate, change.type):
            report.accepted.append(_excused(finding, "deprecated in the released schema"))
        else:
            report.breaking.append(finding)
    for danger in find_dangerous_changes(baseline, current):
        report.dangerous.append(
            Finding(danger.type.name, danger.description, coordinate_of(danger.description))
        )
    report.unused_allowances = sorted(set(allowed) - used)
    return report


def check_files(
    baseline: Path = BASELINE, current: Path = CURRENT, allowed: Path = ALLOWED
) -> Report:
    return compare(baseline.read_text(), current.read_text(), read_allowed(allowed))


def format_report(report: Report) -> str:
    lines: list[str] = []
    for title, findings in (
        ("Breaking changes (not deprecated first, not allowed)", report.breaking),
        ("Breaking changes accepted", report.accepted),
        ("Dangerous changes (allowed; check clients)", report.dangerous),
    ):
        if findings:
            lines.append(f"{title}:")
            lines += [
                f"  {f.kind}: {f.description}" + (f" [{f.excuse}]" if f.excuse else "")
                for f in findings
            ]
    if report.unused_allowances:
        lines.append("Allowances that matched nothing (remove them after the release):")
        lines += [f"  {coordinate}" for coordinate in report.unused_allowances]
    if not report.ok:
        lines.append(
            "Deprecate first (@deprecated(reason: ...)), release, then remove; or list the "
            "coordinate with a reason in schema/breaking-changes-allowed.txt "
            "(docs/api-evolution.md)."
        )
    lines.append("schema-check: " + ("ok" if report.ok else "FAILED"))
    return "\n".join(lines)


def _excused(finding: Finding, excuse: str) -> Finding:
    return Finding(finding.kind, finding.description, finding.coordinate, excuse)


def _deprecated_before(baseline: GraphQLSchema, coordinate: str, kind: BreakingChangeType) -> bool:
    """The element (or the field an argument belongs to) was deprecated in the baseline;
    a removed type counts when everything that led to it was."""
    resolved = resolve_schema_coordinate(baseline, coordinate)
    if resolved is None:
        return False
    if isinstance(resolved, ResolvedFieldArgument):
        return _is_deprecated(resolved.field_argument) or _is_deprecated(resolved.field)
    if isinstance(resolved, ResolvedField):
        return _is_deprecated(resolved.field)
    if isinstance(resolved, ResolvedInputField):
        return _is_deprecated(resolved.input_field)
    if isinstance(resolved, ResolvedEnumValue):
        return _is_deprecated(resolved.enum_value)
    if isinstance(resolved, ResolvedNamedType) and kind is BreakingChangeType.TYPE_REMOVED:
        return _only_reachable_through_deprecations(baseline, resolved.type.name)
    return False


def _is_deprecated(
    element: GraphQLField | GraphQLArgument | GraphQLInputField | GraphQLEnumValue,
) -> bool:
    return element.deprecation_reason is not None


def _only_reachable_through_deprecations(schema: GraphQLSchema, name: str) -> bool:
    target = schema.type_map[name]
    if isinstance(target, GraphQLObjectType | GraphQLInterfaceType) and target.interfaces:
        return False  # reachable as `... on Type` through its interfaces
    references = 0
    for named in schema.type_map.values():
        if isinstance(named, GraphQLUnionType) and target in named.types:
            return False
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_ in named.fields.values():
                if get_named_type(field_.type) is target:
                    references += 1
                    if not _is_deprecated(field_):
                        return False
                for argument in field_.args.values():
                    if get_named_type(argument.type) is target:
                        references += 1
                        if not (_is_deprecated(argument) or _is_deprecated(field_)):
                            return False
        if isinstance(named, GraphQLInputObjectType):
            for input_field in named.fields.values():
                if get_named_type(input_field.type) is target:
                    references += 1
                    if not _is_deprecated(input_field):
                        return False
    return references > 0


def add_schema_check_command(commands: argparse._SubParsersAction) -> None:
    """`iworkz schema-check`: exit 1 on a breaking change that is neither deprecated first
    nor allowed."""
    p = commands.add_parser(
        "schema-check", help="compare schema/schema.graphql with the released schema"
    )
    p.add_argument("--baseline", type=Path, default=BASELINE, help="the released SDL")
    p.add_argument("--schema", type=Path, default=CURRENT, help="the SDL to release")
    p.add_argument("--allowed", type=Path, default=ALLOWED, help="accepted breaking changes")
    p.set_defaults(run=_schema_check)


def _schema_check(args: argparse.Namespace) -> None:
    report = check_files(args.baseline, args.schema, args.allowed)
    print(format_report(report))
    if not report.ok:
        sys.exit(1)
