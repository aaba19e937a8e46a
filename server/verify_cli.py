"""`iworkz verify FILE --rpc URL`: a partner's offline verifier. It needs no account and no
database of ours: the chain node proves the anchor, the issuer directory and status list are
files (or URLs) the verifier chose to trust."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from domain.credentials.verification import Verification

# The credential and chain modules (web3, eth-account: ~4 s of imports) load only when a
# credential is verified: every `iworkz` command builds this parser, health probes included.


def _load_json(source: str) -> Any:
    """A local file, or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        response = httpx.get(source, timeout=10.0, follow_redirects=True)
        response.raise_for_status()
        return response.json()
    return json.loads(Path(source).read_text(encoding="utf-8"))


def _status_lists(document: Any, sources: list[str], offline: bool) -> dict[str, Any]:
    lists: dict[str, Any] = {}
    for source in sources:
        status_list = _load_json(source)
        lists[str(status_list.get("id", source))] = status_list
    if not offline and isinstance(document, dict):
        url = (document.get("credentialStatus") or {}).get("statusListCredential")
        if isinstance(url, str) and url not in lists:
            # Unreachable: the revocation check is reported as skipped.
            with contextlib.suppress(httpx.HTTPError, ValueError):
                lists[url] = _load_json(url)
    return lists


async def _verify(args: argparse.Namespace) -> Verification:
    from domain.clock import utcnow
    from domain.credentials.directory import StaticIssuerDirectory, StatusListRevocations
    from domain.credentials.verification import verify_credential
    from server.adapters.ledger import Web3ChainReader

    document = _load_json(args.file)
    directory = StaticIssuerDirectory.from_json(_load_json(args.issuers)) if args.issuers else None
    lists = _status_lists(document, args.status_list, args.offline)
    async with Web3ChainReader(args.rpc) as chain:
        return await verify_credential(
            document,
            chain=chain,
            directory=directory,
            revocations=StatusListRevocations(lists) if lists else None,
            min_confirmations=args.min_confirmations,
            now=utcnow(),
        )


def print_verification(verification: Verification) -> None:
    from domain.credentials.verification import CheckOutcome

    marks = {CheckOutcome.PASSED: "PASS", CheckOutcome.FAILED: "FAIL", CheckOutcome.SKIPPED: "SKIP"}
    for check in verification.checks:
        print(f"{marks[check.outcome]}  {check.name.value:<16} {check.reason}")
    print("VERIFIED" if verification.verified else "NOT VERIFIED")


def verify(args: argparse.Namespace) -> None:
    verification = asyncio.run(_verify(args))
    if args.json:
        print(
            json.dumps(
                {
                    "verified": verification.verified,
                    "checks": [
                        {"name": c.name.value, "outcome": c.outcome.value, "reason": c.reason}
                        for c in verification.checks
                    ],
                },
                indent=2,
            )
        )
    else:
        print_verification(verification)
    sys.exit(0 if verification.verified else 1)


def add_verify_command(commands: Any) -> None:
    p = commands.add_parser(
        "verify", help="verify a credential document against a chain node (no account needed)"
    )
    p.add_argument("file", help="the credential JSON (a file or an https URL)")
    p.add_argument("--rpc", required=True, help="Ethereum JSON-RPC URL of a node you trust")
    p.add_argument(
        "--issuers", help="issuer directory JSON (file or URL, e.g. <api>/credentials/issuers)"
    )
    p.add_argument(
        "--status-list", action="append", default=[], help="status list JSON (file or URL)"
    )
    p.add_argument("--offline", action="store_true", help="do not fetch the status list URL")
    p.add_argument("--min-confirmations", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(run=verify)
