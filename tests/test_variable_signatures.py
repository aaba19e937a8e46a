"""Variable signatures kept per definition: the same coercion, made once."""

from __future__ import annotations

from graphql import parse
from graphql.execution import values

from schema.schema import schema
from schema.variable_signatures import kept_signature

DOCUMENT = parse('query Q($first: Int = 3, $skills: [ID!] = ["a"]) { __typename }')


def definitions():
    return DOCUMENT.definitions[0].variable_definitions  # type: ignore[attr-defined]


def test_graphql_core_coerces_variables_with_the_kept_signatures():
    assert values.get_variable_signature is kept_signature
    graphql_schema = schema._schema
    first = values.get_variable_values(graphql_schema, definitions(), {"first": 7})
    again = values.get_variable_values(graphql_schema, definitions(), {})
    assert not isinstance(first, list) and not isinstance(again, list)
    assert first.coerced == {"first": 7, "skills": ["a"]}
    assert again.coerced == {"first": 3, "skills": ["a"]}  # defaults, the second time too
    assert kept_signature(graphql_schema, definitions()[0]) is kept_signature(
        graphql_schema, definitions()[0]
    )


def test_a_bad_value_is_refused_as_before():
    errors = values.get_variable_values(schema._schema, definitions(), {"first": "x"})
    assert isinstance(errors, list)
    assert "Variable '$first' has invalid value" in errors[0].message
