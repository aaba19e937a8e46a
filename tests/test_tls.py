"""`iworkz serve` terminating TLS itself (TLS_CERTFILE / TLS_KEYFILE), for deployments
without an ingress: a real server process with a self-signed certificate for 127.0.0.1,
reached over HTTPS and WSS by clients that trust exactly that certificate."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from websockets.typing import Subprotocol

from server.settings import Environment, Settings
from tests.embedded.conftest import free_port

IWORKZ = Path(sys.executable).parent / "iworkz"
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 90.0
HSTS = "max-age=63072000; includeSubDomains"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A P-256 key and a certificate for 127.0.0.1 and localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "iworkz test server")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "server.crt", folder / "server.key"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    keyfile.chmod(0o600)
    return certfile, keyfile


@dataclass
class TlsServer:
    port: int
    certfile: Path
    log: Path

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def trust(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate and nothing else."""
        return ssl.create_default_context(cafile=str(self.certfile))


@pytest.fixture(scope="module")
def tls_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """`iworkz serve` on the run's (migrated) test database with a self-signed certificate."""
    root = tmp_path_factory.mktemp("tls")
    certfile, keyfile = self_signed_certificate(root)
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env.update(
        DATABASE_URL=database_url,
        DATA_DIR=str(root / "data"),
        TLS_CERTFILE=str(certfile),
        TLS_KEYFILE=str(keyfile),
        PYTHONUNBUFFERED="1",
    )
    server = TlsServer(free_port(), certfile, root / "serve.log")
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            [str(IWORKZ), "serve", "--host", HOST, "--port", str(server.port)],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"iworkz serve exited early:\n{server.log.read_text()}")
            try:
                if httpx.get(f"{server.url}/healthz", verify=server.trust()).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no HTTPS answer after {STARTUP_TIMEOUT:.0f} s:\n{server.log.read_text()}"
                )
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_https_with_the_certificate_and_hsts(tls_server: TlsServer) -> None:
    with httpx.Client(base_url=tls_server.url, verify=tls_server.trust(), timeout=30) as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        # TLS served by the process itself turns HSTS on by default.
        assert health.headers["strict-transport-security"] == HSTS
        answer = client.post("/graphql", json={"query": "{ prefectures { code } }"})
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["data"]["prefectures"]) == 47
        assert answer.headers["strict-transport-security"] == HSTS
    assert "https://" in tls_server.log.read_text()


def test_a_client_that_does_not_trust_the_certificate_is_refused(tls_server: TlsServer) -> None:
    """The system trust store does not know the self-signed certificate: really TLS, really
    this certificate."""
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{tls_server.url}/healthz", verify=ssl.create_default_context())


def test_plain_http_gets_no_answer_on_the_tls_port(tls_server: TlsServer) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://{HOST}:{tls_server.port}/healthz", timeout=5)


def test_graphql_over_wss(tls_server: TlsServer) -> None:
    """graphql-transport-ws over TLS: connection_init is acknowledged, an operation runs."""

    async def session() -> list[dict[str, Any]]:
        async with websockets.connect(
            f"wss://{HOST}:{tls_server.port}/graphql",
            ssl=tls_server.trust(),
            subprotocols=[Subprotocol("graphql-transport-ws")],
        ) as connection:
            assert connection.subprotocol == "graphql-transport-ws"
            received = []

            async def receive() -> dict[str, Any]:
                message = json.loads(await asyncio.wait_for(connection.recv(), 10))
                received.append(message)
                return message

            await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
            await receive()
            query = {"query": "{ prefectures { code } }"}
            await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
            while (await receive())["type"] != "complete":
                pass
            return received

    ack, result, complete = asyncio.run(session())
    assert ack["type"] == "connection_ack"
    assert result["type"] == "next"
    assert len(result["payload"]["data"]["prefectures"]) == 47
    assert complete == {"id": "1", "type": "complete"}


def test_the_image_healthcheck_follows_tls(tls_server: TlsServer) -> None:
    """docker/healthcheck.py (the Dockerfile's HEALTHCHECK) speaks HTTPS when TLS_CERTFILE
    is set, and reports a port where nothing answers as unhealthy."""
    script = Path(__file__).resolve().parent.parent / "docker" / "healthcheck.py"

    def check(**env: str) -> int:
        return subprocess.run(
            [sys.executable, str(script)], env={**os.environ, **env}, timeout=30
        ).returncode

    assert check(PORT=str(tls_server.port), TLS_CERTFILE=str(tls_server.certfile)) == 0
    assert check(PORT=str(free_port()), TLS_CERTFILE="") == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, False),
        ({"tls_certfile": "/tls/tls.crt", "tls_keyfile": "/tls/tls.key"}, True),
        ({"tls_certfile": "/tls/tls.crt", "tls_keyfile": "/tls/tls.key", "hsts": False}, False),
        ({"hsts": True}, True),
    ],
)
def test_hsts_defaults_on_with_tls(overrides: dict[str, object], expected: bool) -> None:
    settings = Settings(environment=Environment.DEVELOPMENT, data_dir=Path("/unused"), **overrides)  # type: ignore[arg-type]
    assert settings.hsts_enabled is expected


def test_certificate_and_key_come_together() -> None:
    with pytest.raises(ValueError, match="TLS_CERTFILE and TLS_KEYFILE"):
        Settings(tls_certfile=Path("/tls/tls.crt"))  # type: ignore[call-arg]
