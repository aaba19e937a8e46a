"""The checked-in SDL is the contract: it must match the code."""

from pathlib import Path

from schema.schema import schema

SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_checked_in_sdl_matches_the_code():
    assert SDL.read_text() == schema.as_str() + "\n", (
        "schema/schema.graphql is out of date: run `iworkz export-schema` and review the diff"
    )
