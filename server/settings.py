"""Configuration, read once from the environment (and `.env`) at start-up.

With no configuration at all the platform runs embedded: a private PostgreSQL
server in `DATA_DIR`, an in-memory event bus and inline background jobs.
Setting `DATABASE_URL` / `REDIS_URL` switches each part to the real service.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class JwtAlgorithm(StrEnum):
    HS256 = "HS256"
    RS256 = "RS256"
    ES256 = "ES256"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".iworkz-data")

    database_url: str | None = None
    database_replica_url: str | None = None
    database_pool_size: int = 10
    redis_url: str | None = None
    chain_rpc_url: str | None = Field(
        default=None, description="Ethereum JSON-RPC node; unset: the embedded chain in DATA_DIR"
    )

    jwt_algorithm: JwtAlgorithm = JwtAlgorithm.HS256
    jwt_secret: SecretStr | None = None
    jwt_private_key: SecretStr | None = Field(default=None, description="PEM, for RS256/ES256")
    jwt_public_key: str | None = Field(default=None, description="PEM, for RS256/ES256")
    jwt_issuer: str = "https://api.iworkz.example"
    jwt_audience: str = "iworkz-api"
    access_token_ttl_seconds: int = 900
    jwt_previous_keys: list[str] = Field(
        default_factory=list,
        description="Retired HS256 secrets or public PEMs, still accepted for verification",
    )
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_failure_window_seconds: int = 900
    redis_key_prefix: str = "iworkz:"

    data_encryption_keys: dict[str, SecretStr] | None = Field(
        default=None, description="JSON object: key id → base64 of a 32-byte AES-256 key"
    )
    data_encryption_active_key: str | None = Field(
        default=None, description="The key id new personal data is encrypted with"
    )

    graphiql: bool | None = None
    cors_allow_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser"
    )
    max_request_bytes: int = 1_000_000
    max_websockets_per_user: int = 10
    matching_top_k: int = 50
    matching_cache_max_age_seconds: float = 600.0
    max_subscriptions_per_connection: int = 20
    subscription_buffer: int = 256
    websocket_keep_alive_seconds: float = 15.0
    max_query_length: int = 20_000
    execution_timeout_seconds: float = 10.0
    hsts: bool | None = Field(default=None, description="Defaults to on in production")
    introspection: bool = True
    max_page_size: int = 100

    # Query limits (docs/security.md, "Query limits"): calculated cost per request,
    # and per-caller budgets (token buckets) that throttle sustained heavy use.
    query_cost_limit: int = Field(default=5_000, ge=1)
    query_max_depth: int = Field(default=10, ge=1)
    query_max_aliases: int = Field(default=30, ge=0)
    query_max_tokens: int = Field(default=5_000, ge=1)
    rate_limit_enabled: bool = True
    rate_limit_bucket_size: int = Field(default=10_000, ge=1)
    rate_limit_restore_rate: float = Field(default=200.0, gt=0, description="points per second")

    # Notification channels and webhooks (docs/architecture.md, "Notifications"): e-mail and
    # push are off until configured; retries back off from DELIVERY_RETRY_BASE_SECONDS ×4 each.
    smtp_host: str | None = Field(default=None, description="Unset: no e-mail is sent")
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "iWORKZ <no-reply@iworkz.example>"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    push_enabled: bool = False
    push_api_url: str = "https://exp.host/--/api/v2/push/send"
    push_access_token: SecretStr | None = Field(
        default=None, description="Expo access token, when enhanced push security is on"
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    delivery_retry_base_seconds: float = Field(default=30.0, gt=0)

    # Credential engine (docs/credentials.md): the anchoring account pays for one
    # transaction per batch; outside production an embedded chain and key live in DATA_DIR.
    chain_anchor_private_key: SecretStr | None = Field(
        default=None, description="0x-hex key of the funded anchoring account"
    )
    chain_min_confirmations: int = Field(default=1, ge=1)
    chain_stuck_after_seconds: float = Field(
        default=180.0, gt=0, description="An unmined anchor is re-sent with higher fees after this"
    )
    credential_anchor_interval_seconds: float = Field(default=30.0, gt=0)
    credential_anchor_batch_size: int = Field(default=10_000, ge=1)
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Where status lists and issuers are served"
    )

    sentry_dsn: str | None = None
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.database_url is None:
                raise ValueError("DATABASE_URL is required in production")
            if self.jwt_algorithm is JwtAlgorithm.HS256 and self.jwt_secret is None:
                raise ValueError("JWT_SECRET is required in production")
            if self.chain_rpc_url is not None and self.chain_anchor_private_key is None:
                raise ValueError("CHAIN_RPC_URL needs CHAIN_ANCHOR_PRIVATE_KEY")
        if self.jwt_algorithm is not JwtAlgorithm.HS256 and (
            self.jwt_private_key is None or self.jwt_public_key is None
        ):
            raise ValueError(f"{self.jwt_algorithm} needs JWT_PRIVATE_KEY and JWT_PUBLIC_KEY")
        return self

    @model_validator(mode="after")
    def _data_encryption_keys_complete(self) -> Settings:
        keys, active = self.data_encryption_keys, self.data_encryption_active_key
        if self.environment is Environment.PRODUCTION and (keys is None or active is None):
            raise ValueError(
                "DATA_ENCRYPTION_KEYS and DATA_ENCRYPTION_ACTIVE_KEY are required in production"
            )
        if (keys is None) != (active is None):
            raise ValueError("set DATA_ENCRYPTION_KEYS and DATA_ENCRYPTION_ACTIVE_KEY together")
        if keys is not None and active not in keys:
            raise ValueError(
                f"DATA_ENCRYPTION_ACTIVE_KEY {active!r} is not in DATA_ENCRYPTION_KEYS"
            )
        return self

    @property
    def is_embedded(self) -> bool:
        return self.database_url is None

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is not None:
            return self.graphiql
        return self.environment is not Environment.PRODUCTION

    @property
    def job_queue_name(self) -> str:
        """The arq queue; prefixed like every Redis key, so deployments can share a Redis."""
        return f"{self.redis_key_prefix}queue"

    @property
    def hsts_enabled(self) -> bool:
        return self.hsts if self.hsts is not None else self.environment is Environment.PRODUCTION

    @cached_property
    def jwt_signing_secret(self) -> str:
        """The HS256 secret; outside production one is made and kept in DATA_DIR."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    @cached_property
    def data_encryption_key_config(self) -> tuple[dict[str, str], str]:
        """Key id → base64 key, and the active key id, for personal data at rest.

        Outside production, when unset, one key is made and kept in DATA_DIR (mode
        0600), so local data stays readable across restarts.
        """
        if self.data_encryption_keys is not None and self.data_encryption_active_key is not None:
            keys = {kid: key.get_secret_value() for kid, key in self.data_encryption_keys.items()}
            return keys, self.data_encryption_active_key
        path = self.data_dir / "data-encryption-keys.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key_id = f"local-{secrets.token_hex(4)}"
            key = base64.b64encode(secrets.token_bytes(32)).decode()
            # Written whole under a private name, then linked into place: a process
            # starting at the same moment sees no file or a complete one, never half.
            draft = path.with_name(f".{path.name}.{os.getpid()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w") as file:
                json.dump({"active": key_id, "keys": {key_id: key}}, file)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process made one first: use theirs
            finally:
                draft.unlink()
        stored = json.loads(path.read_text())
        return dict(stored["keys"]), str(stored["active"])
