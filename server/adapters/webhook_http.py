"""Webhook POSTs with a guard against server-side request forgery.

At every attempt the host is resolved here, each address is checked against the
policy (domain/webhooks/targets.py), and the request goes to the checked
address itself — the URL's host is kept in the `Host` header and as the TLS
server name, so certificates are verified against the name. A DNS answer that
changes after the check cannot redirect the request. Redirects are not
followed, proxies from the environment are ignored, and the response body is
never read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx

from domain.notifications.channels import WebhookResponse
from domain.webhooks.targets import RefusedTarget, TargetPolicy, check_address, check_webhook_url


class GuardedWebhookSender:
    def __init__(
        self,
        policy: TargetPolicy,
        *,
        timeout: float = 10.0,
        resolve: Resolver | None = None,
    ) -> None:
        self._policy = policy
        self._timeout = timeout
        self._resolve = resolve or _resolve

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> WebhookResponse:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            check_webhook_url(url, self._policy)
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = await self._vetted_addresses(host, port)
        except RefusedTarget as refused:
            return WebhookResponse(
                None, error=f"refused: {refused}", refused=True, duration_ms=elapsed()
            )
        except OSError as error:
            return WebhookResponse(None, error=f"DNS: {error}", duration_ms=elapsed())
        last_error = "no address"
        async with httpx.AsyncClient(
            timeout=self._timeout, follow_redirects=False, trust_env=False
        ) as client:
            for address in addresses:
                pinned = _with_address(parts, address, port)
                extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
                try:
                    async with client.stream(
                        "POST",
                        pinned,
                        content=body,
                        headers={**headers, "Host": parts.netloc.rpartition("@")[2]},
                        extensions=extensions,
                    ) as response:
                        status = response.status_code
                except httpx.ConnectError as error:
                    last_error = f"ConnectError: {error}"
                    continue  # the next address of the host, if any
                except httpx.HTTPError as error:
                    return WebhookResponse(
                        None, error=f"{type(error).__name__}: {error}", duration_ms=elapsed()
                    )
                error_text = None if 200 <= status < 300 else f"HTTP {status}"
                return WebhookResponse(status, error=error_text, duration_ms=elapsed())
        return WebhookResponse(None, error=last_error, duration_ms=elapsed())

    async def _vetted_addresses(self, host: str, port: int) -> list[str]:
        addresses = await self._resolve(host, port)
        for address in addresses:  # all of them: any private one refuses the host
            check_address(ipaddress.ip_address(address.split("%")[0]), self._policy)
        if not addresses:
            raise OSError(f"{host} has no address")
        return addresses


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def _resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to, in the resolver's order."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _with_address(parts: SplitResult, address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))
