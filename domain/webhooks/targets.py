"""Where webhooks may point: the rule against server-side request forgery (SSRF).

In production only `https` URLs are accepted, and a delivery goes only to
public addresses: the adapter resolves the host at every attempt, refuses the
delivery if any address is loopback, private, link-local, shared, reserved or
multicast, and connects to the address it checked (so a DNS answer that
changes in between — "rebinding" — cannot redirect it). Elsewhere `http` and
local addresses are allowed, so tests and development can use localhost.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    require_https: bool
    allow_private_networks: bool

    @classmethod
    def production(cls) -> TargetPolicy:
        return cls(require_https=True, allow_private_networks=False)

    @classmethod
    def development(cls) -> TargetPolicy:
        return cls(require_https=False, allow_private_networks=True)


class RefusedTarget(ValueError):
    """A webhook URL or address the policy does not allow."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_address(address: IPAddress, policy: TargetPolicy) -> None:
    if not policy.allow_private_networks and not is_public_address(address):
        raise RefusedTarget(f"{address} is not a public address")


def check_webhook_url(url: str, policy: TargetPolicy) -> str:
    """The URL if the policy allows it (as far as can be told without DNS), else
    `RefusedTarget` saying why."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedTarget(f"Use at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedTarget("This is not a valid URL.") from None
    allowed = ("https",) if policy.require_https else ("https", "http")
    if parts.scheme not in allowed:
        raise RefusedTarget(f"Use an {' or '.join(allowed)} URL.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedTarget("The URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise RefusedTarget("Put no credentials in the URL; verify the signature instead.")
    if parts.fragment:
        raise RefusedTarget("The URL cannot have a #fragment.")
    if port == 0:
        raise RefusedTarget("This is not a valid port.")
    if not policy.allow_private_networks:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            check_address(literal, policy)
        elif host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
            raise RefusedTarget("Use a public host name.")
    return url
