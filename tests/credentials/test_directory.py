"""The issuer directory a verifier trusts: lookups, and the public JSON that the API serves
and the CLI reads back."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.credentials.directory import MalformedDirectory, StaticIssuerDirectory
from tests.credentials.engine_support import (
    ANCHORING_KEY,
    ISSUER_ID,
    ISSUER_KEY,
    ISSUER_NAME,
    KEY_VALID_FROM,
    OTHER_ISSUER_ID,
    OTHER_ISSUER_KEY,
    STRANGER_KEY,
    key_record,
    other_issuer_record,
)


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the suite's database-cleaning fixture: these tests are pure."""


RETIRED = datetime(2026, 3, 1, 12, 30, 15, 250_000, tzinfo=UTC)  # a database time, with a fraction
SECOND_KEY = key_record(address=STRANGER_KEY.address, retired_at=RETIRED, valid_until=RETIRED)


def make_directory() -> StaticIssuerDirectory:
    return StaticIssuerDirectory(
        [key_record(), SECOND_KEY, other_issuer_record(issuer_trusted=False)],
        [ANCHORING_KEY.address.lower()],
    )


async def test_keys_are_found_whatever_the_case_of_the_address():
    directory = make_directory()
    for spelling in (ISSUER_KEY.address, ISSUER_KEY.address.lower(), ISSUER_KEY.address.upper()):
        found = await directory.key(spelling.replace("0X", "0x"))
        assert found == key_record()
    assert await directory.key(ANCHORING_KEY.address) is None
    assert await directory.key("not an address") is None


def test_anchoring_addresses_are_checksummed():
    assert make_directory().anchoring_addresses == frozenset({ANCHORING_KEY.address})


def test_the_public_json_groups_keys_by_issuer():
    published = make_directory().to_json()
    assert published == {
        "anchoringAddresses": [ANCHORING_KEY.address],
        "issuers": [
            {
                "id": f"urn:uuid:{ISSUER_ID}",
                "name": ISSUER_NAME,
                "trusted": True,
                "keys": [
                    {
                        "address": ISSUER_KEY.address,
                        "validFrom": "2026-01-01T00:00:00Z",
                        "validUntil": None,
                        "retiredAt": None,
                        "compromisedAt": None,
                    },
                    {
                        "address": STRANGER_KEY.address,
                        "validFrom": "2026-01-01T00:00:00Z",
                        "validUntil": "2026-03-01T12:30:15.250000Z",
                        "retiredAt": "2026-03-01T12:30:15.250000Z",
                        "compromisedAt": None,
                    },
                ],
            },
            {
                "id": f"urn:uuid:{OTHER_ISSUER_ID}",
                "name": "Osaka Language School",
                "trusted": False,
                "keys": [
                    {
                        "address": OTHER_ISSUER_KEY.address,
                        "validFrom": "2026-01-01T00:00:00Z",
                        "validUntil": None,
                        "retiredAt": None,
                        "compromisedAt": None,
                    }
                ],
            },
        ],
    }


async def test_the_public_json_reads_back_to_the_same_directory():
    published = json.loads(json.dumps(make_directory().to_json()))
    read = StaticIssuerDirectory.from_json(published)
    assert read.to_json() == published
    assert read.anchoring_addresses == make_directory().anchoring_addresses
    assert await read.key(STRANGER_KEY.address) == SECOND_KEY  # fractions of seconds kept
    assert set(read.keys) == set(make_directory().keys)


def test_times_with_offsets_are_read_as_utc():
    published = make_directory().to_json()
    published["issuers"][0]["keys"][0]["validFrom"] = "2026-01-01T09:00:00+09:00"
    read = StaticIssuerDirectory.from_json(published)
    assert read.keys[0].valid_from == KEY_VALID_FROM


def _broken(change) -> dict:
    published = copy.deepcopy(make_directory().to_json())
    change(published)
    return published


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("issuers"), "missing the directory.issuers"),
        (lambda d: d.update(anchoringAddresses="0xabc"), "anchoringAddresses must be a list"),
        (lambda d: d["anchoringAddresses"].append("0x1234"), "anchoringAddresses[1] is not"),
        (lambda d: d["issuers"][0].update(id=str(ISSUER_ID)), "issuers[0].id must be urn:uuid"),
        (lambda d: d["issuers"][0].update(trusted="yes"), "issuers[0].trusted must be true"),
        (lambda d: d["issuers"][1].update(name=None), "issuers[1].name must be a string"),
        (lambda d: d["issuers"][0]["keys"][0].pop("address"), "missing issuers[0].keys[0].address"),
        (
            lambda d: d["issuers"][0]["keys"][1].update(retiredAt="March 1st"),
            "issuers[0].keys[1].retiredAt is not an RFC 3339 time",
        ),
        (
            lambda d: d["issuers"][0]["keys"][0].update(validFrom="2026-01-01T00:00:00"),
            "has no time zone",
        ),
        (lambda d: d["issuers"][0]["keys"].append("0xabc"), "keys[2] must be a JSON object"),
        (
            lambda d: d["issuers"][1]["keys"].append(d["issuers"][0]["keys"][0]),
            "is listed twice",
        ),
    ],
)
def test_malformed_directory_json_is_refused_with_a_reason(change, words):
    with pytest.raises(MalformedDirectory) as refused:
        StaticIssuerDirectory.from_json(_broken(change))
    assert words in str(refused.value)


def test_one_issuer_cannot_be_both_trusted_and_not():
    with pytest.raises(ValueError, match="two names or trust states"):
        StaticIssuerDirectory([key_record(), replace(SECOND_KEY, issuer_trusted=False)])


def test_naive_times_cannot_be_published():
    directory = StaticIssuerDirectory([key_record(valid_from=datetime(2026, 1, 1))])
    with pytest.raises(ValueError, match="timezone-aware"):
        directory.to_json()
