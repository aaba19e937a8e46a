"""Configuration, read once from the environment (and `.env`) at start-up.

With no configuration at all the platform runs embedded: a private PostgreSQL
server in `DATA_DIR`, an in-memory event bus and inline background jobs.
Setting `DATABASE_URL` / `REDIS_URL` switches each part to the real service.
"""

from __future__ import annotations

import base64
import ipaddress
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


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


# Who may read /metrics without METRICS_TOKEN: loopback and private networks (Prometheus
# inside the cluster or compose network), never the public internet.
DEFAULT_METRICS_CIDRS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".iworkz-data")

    database_url: str | None = None
    database_replica_url: str | None = Field(
        default=None, description="A streaming replica for reads that may lag a little"
    )
    database_pool_size: int = 10
    database_parallel_workers_per_query: int = Field(
        default=0,
        ge=0,
        description="PostgreSQL's max_parallel_workers_per_gather on the app's connections",
    )
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
    fast_execution: bool = Field(
        default=True,
        description="Read plain fields without graphql-core's per-field bookkeeping "
        "(schema/fast_execution.py); false runs strawberry's own executor",
    )
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

    # AI agent (docs/architecture.md, "AI agent"): an optional OpenAI-compatible
    # chat-completions endpoint rewords the template answers; the agent works without it.
    llm_base_url: str | None = Field(
        default=None, description="e.g. https://api.openai.com/v1; unset: template answers only"
    )
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(
        default=4.0, gt=0, description="Total time one answer may wait, retries included"
    )
    llm_max_retries: int = Field(default=2, ge=0, le=5)
    llm_retry_base_seconds: float = Field(default=0.25, ge=0)
    llm_send_personal_data: bool = Field(
        default=False, description="Also send the user's own words (never sent by default)"
    )

    # Running it (docs/operations.md): who migrates, TLS without an ingress, proxies, shutdown.
    migrate_on_start: bool | None = Field(
        default=None,
        description="`serve` applies migrations first; unset: on except in production, "
        "where replicas must not race and `iworkz migrate` runs once per release",
    )
    tls_certfile: Path | None = Field(
        default=None, description="PEM certificate (with chain): `serve` speaks HTTPS and WSS"
    )
    tls_keyfile: Path | None = Field(default=None, description="PEM private key of TLS_CERTFILE")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For/-Proto are believed (comma-separated, * = "
        "any): the login throttle counts per client address, not per load balancer",
    )
    graceful_shutdown_seconds: int = Field(
        default=30,
        ge=1,
        description="After SIGTERM: how long requests and jobs in flight may finish",
    )
    postgres_bin_dir: Path | None = Field(
        default=None,
        description="Where pg_dump/pg_restore are; unset: the ones matching the server's version",
    )

    # The client contract (docs/api-evolution.md, server/persisted_queries.py): automatic
    # persisted queries, trusted documents, CDN caching of public GET results, WebSocket start.
    persisted_query_ttl_seconds: int = Field(
        default=86_400, ge=1, description="Seconds a stored query stays in Redis after its last use"
    )
    persisted_query_cache_size: int = Field(
        default=1_000, ge=1, description="Queries kept in memory when embedded (no Redis)"
    )
    persisted_queries_only: bool = Field(
        default=False,
        description="Run only TRUSTED_DOCUMENTS_FILE's operations for first-party callers; "
        "partner tokens and admins keep full access",
    )
    trusted_documents_file: Path | None = Field(
        default=None, description="JSON of sha256 hash → query (or Apollo's manifest format)"
    )
    public_cache_max_age_seconds: int = Field(
        default=60, ge=0, description="max-age of public GET results (anonymous, allow-listed)"
    )
    websocket_init_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time a WebSocket may take to send connection_init"
    )

    # Read replica and public cache (docs/architecture.md, "Read replicas", "Public cache"):
    # reads that may lag go to DATABASE_REPLICA_URL while it is within the bound; skill
    # searches and public job pages are cached in Redis (in memory when embedded).
    database_replica_max_lag_seconds: float = Field(
        default=5.0, ge=0, description="A replica further behind is not read; the primary is"
    )
    database_replica_check_interval_seconds: float = Field(
        default=2.0, ge=0, description="How often each process measures the replica's lag"
    )
    cache_enabled: bool = Field(
        default=True, description="Cache skill searches and public job pages (never personal data)"
    )
    cache_timeout_seconds: float = Field(
        default=0.1, gt=0, description="Longest wait for the cache; slower is a miss"
    )
    cache_job_ttl_seconds: int = Field(
        default=300,
        ge=1,
        description="Jobs and organisations: bounds staleness only if an invalidation was lost",
    )
    cache_taxonomy_ttl_seconds: int = Field(default=3600, ge=1)

    # Observability (docs/observability.md): log format, who may read the API's /metrics,
    # the worker's metrics port, error reporting to Sentry when SENTRY_DSN is set.
    log_format: LogFormat | None = Field(
        default=None, description="json or text; unset: json in production, text otherwise"
    )
    metrics_allowed_cidrs: list[str] = Field(
        default_factory=lambda: list(DEFAULT_METRICS_CIDRS),
        description="Direct (unproxied) clients that may read /metrics without METRICS_TOKEN",
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token that may read /metrics from anywhere"
    )
    worker_metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="The worker's own /metrics; 0 turns it off"
    )
    worker_metrics_host: str = Field(
        default="0.0.0.0", description="Where the worker's metrics listen (Prometheus scrapes it)"
    )
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    sentry_dsn: str | None = None
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.database_url is None:
                raise ValueError("DATABASE_URL is required in production")
            if self.jwt_algorithm is JwtAlgorithm.HS256 and self.jwt_secret is None:
                raise ValueError("JWT_SECRET is required in production")
            # The embedded chain is only readable by processes sharing one DATA_DIR: a
            # verifier elsewhere could never check an anchor, so production names a node.
            if self.chain_rpc_url is None:
                raise ValueError(
                    "CHAIN_RPC_URL is required in production (with CHAIN_ANCHOR_PRIVATE_KEY): "
                    "credentials are anchored on that node, never on the embedded chain"
                )
            if self.chain_anchor_private_key is None:
                raise ValueError(
                    "CHAIN_ANCHOR_PRIVATE_KEY is required in production: CHAIN_RPC_URL needs "
                    "the funded anchoring account's key"
                )
        if self.jwt_algorithm is not JwtAlgorithm.HS256 and (
            self.jwt_private_key is None or self.jwt_public_key is None
        ):
            raise ValueError(f"{self.jwt_algorithm} needs JWT_PRIVATE_KEY and JWT_PUBLIC_KEY")
        return self

    @model_validator(mode="after")
    def _tls_files_together(self) -> Settings:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("set TLS_CERTFILE and TLS_KEYFILE together")
        return self

    @model_validator(mode="after")
    def _metrics_cidrs_valid(self) -> Settings:
        for cidr in self.metrics_allowed_cidrs:
            ipaddress.ip_network(cidr, strict=False)  # ValueError names the bad one
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
    def log_output_format(self) -> LogFormat:
        """JSON lines in production (for the log pipeline), readable text elsewhere."""
        if self.log_format is not None:
            return self.log_format
        return LogFormat.JSON if self.environment is Environment.PRODUCTION else LogFormat.TEXT

    @property
    def job_queue_name(self) -> str:
        """The arq queue; prefixed like every Redis key, so deployments can share a Redis."""
        return f"{self.redis_key_prefix}queue"

    @property
    def hsts_enabled(self) -> bool:
        """On in production and whenever `serve` terminates TLS itself, unless HSTS says."""
        if self.hsts is not None:
            return self.hsts
        return self.environment is Environment.PRODUCTION or self.tls_enabled

    @property
    def tls_enabled(self) -> bool:
        return self.tls_certfile is not None

    @property
    def migrate_on_start_enabled(self) -> bool:
        """Embedded and development servers migrate themselves (one process, nothing to race);
        production leaves it to the one-shot `iworkz migrate` job."""
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.environment is not Environment.PRODUCTION

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
