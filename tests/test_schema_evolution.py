"""`iworkz schema-check`: breaking changes fail unless deprecated first or allowed."""

from __future__ import annotations

import pytest

from server.cli import main
from server.schema_evolution import BASELINE, CURRENT, compare, read_allowed

BASE = """
type Query {
  job(id: ID!): Job
  jobs(first: Int): [Job!]!
  legacyJobs: [Job!]! @deprecated(reason: "Use jobs.")
  search(text: String, legacyFilter: String @deprecated(reason: "Use text.")): [Job!]!
}

type Job {
  id: ID!
  title: String!
  wage: Int @deprecated(reason: "Use pay.")
  pay: Int
  status: JobStatus!
  oldShift: OldShift @deprecated(reason: "Use schedule.")
}

type OldShift {
  start: String
}

enum JobStatus {
  OPEN
  CLOSED
  ARCHIVED @deprecated(reason: "Never used.")
}

input JobInput {
  title: String!
  note: String @deprecated(reason: "Ignored.")
}

type Mutation {
  createJob(input: JobInput!): Job
}
"""


def changed(old: str, new: str, base: str = BASE) -> str:
    """The schema with the first `old` (Job comes before JobInput) replaced by `new`."""
    assert old in base, old
    return base.replace(old, new, 1)


def kinds(findings) -> list[str]:
    return [finding.kind for finding in findings]


def test_the_same_schema_passes():
    report = compare(BASE, BASE, {})
    assert report.ok and not report.accepted and not report.dangerous


def test_a_removed_field_fails():
    report = compare(BASE, changed("  title: String!\n", ""), {})
    assert not report.ok
    assert [(f.kind, f.coordinate) for f in report.breaking] == [("FIELD_REMOVED", "Job.title")]


def test_a_removed_deprecated_field_passes():
    report = compare(BASE, changed('  wage: Int @deprecated(reason: "Use pay.")\n', ""), {})
    assert report.ok
    assert report.accepted[0].excuse == "deprecated in the released schema"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('ARCHIVED @deprecated(reason: "Never used.")', ""),  # enum value
        ('note: String @deprecated(reason: "Ignored.")', ""),  # input field
        (', legacyFilter: String @deprecated(reason: "Use text.")', ""),  # argument
    ],
    ids=["enum value", "input field", "argument"],
)
def test_other_deprecated_elements_may_go(old, new):
    assert compare(BASE, changed(old, new), {}).ok


def test_a_type_reachable_only_through_deprecated_fields_may_go_with_them():
    without = changed('  oldShift: OldShift @deprecated(reason: "Use schedule.")\n', "")
    without = without.replace("type OldShift {\n  start: String\n}\n", "")
    report = compare(BASE, without, {})
    assert report.ok, report.breaking
    assert set(kinds(report.accepted)) == {"FIELD_REMOVED", "TYPE_REMOVED"}


def test_a_new_required_argument_fails():
    report = compare(BASE, changed("jobs(first: Int)", "jobs(first: Int, region: String!)"), {})
    assert kinds(report.breaking) == ["REQUIRED_ARG_ADDED"]
    assert report.breaking[0].coordinate == "Query.jobs(region:)"


def test_a_new_optional_argument_passes_as_a_dangerous_change():
    report = compare(BASE, changed("jobs(first: Int)", "jobs(first: Int, region: String)"), {})
    assert report.ok
    assert kinds(report.dangerous) == ["OPTIONAL_ARG_ADDED"]


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("  title: String!\n", "  title: Int!\n", "FIELD_CHANGED_KIND"),
        ("jobs(first: Int)", "jobs(first: String)", "ARG_CHANGED_KIND"),
        ('Ignored.")\n', 'Ignored.")\n  region: String!\n', None),
        ("  CLOSED\n", "", "VALUE_REMOVED_FROM_ENUM"),
    ],
    ids=["field type", "argument type", "required input field", "enum value"],
)
def test_retyped_or_removed_non_deprecated_elements_fail(old, new, kind):
    report = compare(BASE, changed(old, new), {})
    assert not report.ok
    assert kinds(report.breaking) == [kind or "REQUIRED_INPUT_FIELD_ADDED"]


def test_a_type_still_reachable_through_a_live_field_may_not_go():
    base = changed("  pay: Int\n", "  pay: Int\n  currentShift: OldShift\n")
    without = changed('  oldShift: OldShift @deprecated(reason: "Use schedule.")\n', "", base)
    without = changed("type OldShift {\n  start: String\n}\n", "", without)
    without = changed("currentShift: OldShift", "currentShift: String", without)
    report = compare(base, without, {})
    assert set(kinds(report.breaking)) == {"TYPE_REMOVED", "FIELD_CHANGED_KIND"}


def test_the_allow_file_accepts_a_listed_change_with_its_reason(tmp_path):
    path = tmp_path / "allowed.txt"
    path.write_text(
        "# accepted breaking changes\n"
        "Job.title  renamed to name; no partner used it (checked in the logs)\n"
        "Query.nothing  left over from the last release  # stale\n"
    )
    allowed = read_allowed(path)
    report = compare(BASE, changed("  title: String!\n", ""), allowed)
    assert report.ok
    assert report.accepted[0].excuse == (
        "allowed: renamed to name; no partner used it (checked in the logs)"
    )
    assert report.unused_allowances == ["Query.nothing"]


def test_an_allowance_without_a_reason_is_refused(tmp_path):
    path = tmp_path / "allowed.txt"
    path.write_text("Job.title\n")
    with pytest.raises(ValueError, match="give a reason"):
        read_allowed(path)


def test_the_command_fails_on_a_breaking_change_and_passes_on_the_repository(tmp_path, capsys):
    old, new, allowed = tmp_path / "old.graphql", tmp_path / "new.graphql", tmp_path / "a.txt"
    old.write_text(BASE)
    new.write_text(changed("  title: String!\n", ""))
    arguments = ["schema-check", "--baseline", str(old), "--schema", str(new)]
    with pytest.raises(SystemExit) as failed:
        main([*arguments, "--allowed", str(allowed)])
    assert failed.value.code == 1
    assert "Field Job.title was removed." in capsys.readouterr().out
    allowed.write_text("Job.title  gone on purpose\n")
    main([*arguments, "--allowed", str(allowed)])
    assert "schema-check: ok" in capsys.readouterr().out
    # The repository itself: what is about to be released keeps the released contract.
    assert BASELINE.exists() and CURRENT.exists()
    main(["schema-check"])
    assert "schema-check: ok" in capsys.readouterr().out
