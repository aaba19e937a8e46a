"""`iworkz` command line: serve, worker, migrate, seed-demo, export-schema, schema-check,
create-user, create-partner-client, reencrypt, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import ValidationError

from server.logging_setup import configure_logging
from server.schema_evolution import add_schema_check_command
from server.settings import Settings
from server.verify_cli import add_verify_command

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _settings() -> Settings:
    """The settings from the environment; a bad one ends the command with its message."""
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        raise SystemExit(f"iworkz: invalid settings: {problems}") from None
    configure_logging(settings.log_level, settings.log_output_format)
    return settings


def _database_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server's (started here), without migrating anything.

    Same as `server.services.database_url`, minus its imports (the whole platform): probes
    and init containers run `migrate --check` often, and should start in well under a second.
    """
    if settings.database_url:
        return settings.database_url
    from server.embedded_postgres import start_embedded_postgres

    return start_embedded_postgres(settings.data_dir)


def _prepared_database_url(settings: Settings) -> str:
    """The database URL, with the embedded server started and migrations applied."""
    from server.migrate import upgrade_to_head

    url = _database_url(settings)
    upgrade_to_head(url)
    return url


def _serving_database_url(settings: Settings) -> str:
    """The database `serve` uses: migrated here when MIGRATE_ON_START (embedded and
    development: one process, nothing to race), else checked to hold this code's
    migrations, so API replicas never race the one-shot migration job."""
    if settings.migrate_on_start_enabled:
        return _prepared_database_url(settings)
    from server.migrate import wait_until_migrated

    url = _database_url(settings)
    problem = asyncio.run(wait_until_migrated(url, timeout_seconds=0))
    if problem is not None:
        sys.exit(f"{problem}: run `iworkz migrate` first (MIGRATE_ON_START is off)")
    return url


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into a normal exit, so atexit handlers (the embedded PostgreSQL's stop) run."""
    sys.exit(0)


def serve(args: argparse.Namespace) -> None:
    # uvicorn handles SIGTERM itself, shuts down gracefully, then re-raises the signal; with
    # the default handler the process dies by the signal, atexit never runs and the embedded
    # PostgreSQL server keeps running.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    settings = _settings()
    url = _serving_database_url(settings)  # before importing the app: refusals come fast
    import uvicorn

    from server.app import create_app

    settings = settings.model_copy(update={"database_url": url})
    host, port = args.host or settings.host, args.port or settings.port
    print(f"iWORKZ API on {'https' if settings.tls_enabled else 'http'}://{host}:{port}/graphql")
    # One process unless --workers: then uvicorn forks N processes, each building the app
    # from the environment (the database URL decided here is handed down through it).
    workers = args.workers or 1
    if workers > 1:
        os.environ["DATABASE_URL"] = url
    uvicorn.run(
        create_app(settings) if workers == 1 else "server.cli:app_from_environment",
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        # uvicorn's records go to our handler (JSON, redacted); our access log replaces its
        # own, which would print query strings (GET variables).
        log_config=None,
        access_log=False,
        # Without an ingress the server terminates TLS itself (docs/operations.md, "TLS").
        ssl_certfile=str(settings.tls_certfile) if settings.tls_certfile else None,
        ssl_keyfile=str(settings.tls_keyfile) if settings.tls_keyfile else None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )


def app_from_environment() -> Any:
    """The app of one `serve --workers N` process, from the settings in the environment."""
    from server.app import create_app

    return create_app(_settings())


def migrate(args: argparse.Namespace) -> None:
    settings = _settings()
    if args.check:
        from server.migrate import wait_until_migrated

        problem = asyncio.run(wait_until_migrated(_database_url(settings), args.wait))
        if problem is not None:
            sys.exit(problem)
        print("database has this code's migrations")
        return
    _prepared_database_url(settings)
    print("database is at the newest migration")


def worker(args: argparse.Namespace) -> None:
    settings = _settings()
    if args.check:  # a probe: imports only what it needs (workers/health.py)
        from workers.health import worker_is_alive

        sys.exit(0 if worker_is_alive(settings) else "no live worker on this host")
    if not settings.redis_url:
        sys.exit("the worker needs REDIS_URL; in embedded mode jobs run inside `serve`")
    from workers.settings import run_worker

    if args.metrics_port is not None:
        settings = settings.model_copy(update={"worker_metrics_port": args.metrics_port})
    run_worker(settings)


def seed_demo(args: argparse.Namespace) -> None:
    from domain.demo.seed import DemoSize, seed_demo_data
    from server.database import Database

    settings = _settings()
    url = _prepared_database_url(settings)

    async def run() -> None:
        database = Database(url)
        try:
            counts = await seed_demo_data(
                database.session, DemoSize(workers=args.workers, jobs=args.jobs), seed=args.seed
            )
        finally:
            await database.dispose()
        print(", ".join(f"{count} {name}" for name, count in counts.items()))

    asyncio.run(run())


def export_schema(args: argparse.Namespace) -> None:
    from schema.schema import schema

    sdl = schema.as_str() + "\n"
    if args.check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != sdl:
            sys.exit(f"{SCHEMA_FILE} is out of date: run `iworkz export-schema`")
        print("schema.graphql is up to date")
        return
    SCHEMA_FILE.write_text(sdl)
    print(f"wrote {SCHEMA_FILE}")


def create_user(args: argparse.Namespace) -> None:
    """Accounts that cannot sign up themselves: admins and partners."""
    from domain.auth.principal import Role
    from domain.auth.service import create_user as create
    from server.services import build_services

    settings = _settings()
    url = _prepared_database_url(settings)
    password = args.password or getpass.getpass("password: ")

    async def run() -> None:
        services = await build_services(settings, url)
        try:
            async with services.database.transaction(services.bus, services.queue) as uow:
                user = await create(
                    uow,
                    email=args.email,
                    password=password,
                    display_name=args.name,
                    roles=[Role(role) for role in args.role],
                )
            print(f"created {user.email} ({', '.join(user.roles)})")
        finally:
            await services.close()

    asyncio.run(run())


def create_partner_client(args: argparse.Namespace) -> None:
    """OAuth client credentials for a partner; the secret is shown once, here."""
    from domain.auth.partners import PartnerScope
    from domain.auth.partners import create_partner_client as create
    from domain.auth.service import user_by_email
    from server.services import build_services

    settings = _settings()
    url = _prepared_database_url(settings)

    async def run() -> None:
        services = await build_services(settings, url)
        try:
            async with services.database.transaction(services.bus, services.queue) as uow:
                owner = await user_by_email(uow.session, args.owner)
                if owner is None:
                    sys.exit(f"no user {args.owner}: create it with `create-user --role PARTNER`")
                client = await create(
                    uow, owner.id, args.name, [PartnerScope(scope) for scope in args.scope]
                )
            print(f"client_id:     {client.client_id}\nclient_secret: {client.client_secret}")
        finally:
            await services.close()

    asyncio.run(run())


def reencrypt(args: argparse.Namespace) -> None:
    """Move personal data onto the active key, so a retired key can be removed."""
    from domain.profiles.personal_data.rotation import reencrypt_personal_data
    from domain.webhooks.service import reencrypt_webhook_secrets
    from server.database import Database
    from server.services import keyring_from_settings

    settings = _settings()
    keyring = keyring_from_settings(settings)
    url = _prepared_database_url(settings)

    async def run() -> None:
        database = Database(url)
        try:
            report = await reencrypt_personal_data(
                database.session, keyring, batch_size=args.batch_size
            )
            secrets_moved = await reencrypt_webhook_secrets(database.session, keyring)
        finally:
            await database.dispose()
        print(f"re-encrypted {secrets_moved} webhook secrets")
        print(
            f"re-encrypted {report.rows_reencrypted} rows ({report.values_reencrypted} values) "
            f"to key {report.active_key_id!r}"
        )
        by_key = ", ".join(f"{key_id}: {n}" for key_id, n in sorted(report.rows_by_key.items()))
        print(f"rows by key now: {by_key or 'none'}")
        for profile_id, reason in report.failures.items():
            print(f"failed: worker profile {profile_id}: {reason}", file=sys.stderr)
        if report.failures:
            sys.exit(f"{len(report.failures)} rows could not be re-encrypted")
        if report.rows_not_current:
            print(f"{report.rows_not_current} rows were being edited; run again to finish")

    asyncio.run(run())


def backup_database(args: argparse.Namespace) -> None:
    """pg_dump (custom format) of DATABASE_URL, or of the embedded server, without migrating."""
    from server.backup import BackupError, backup, find_tools, prune, server_major_version

    if args.keep is not None and not args.target.is_dir():
        sys.exit("--keep needs TARGET to be an existing folder")
    settings = _settings()
    url = _database_url(settings)
    try:
        tools = find_tools(asyncio.run(server_major_version(url)), settings.postgres_bin_dir)
        path = backup(url, args.target, tools)
        removed = prune(args.target, args.keep) if args.keep is not None else []
    except BackupError as error:
        sys.exit(f"backup failed: {error}")
    print(f"wrote {path} ({path.stat().st_size} bytes, pg_dump {tools.major})")
    for old in removed:
        print(f"removed {old} (--keep {args.keep})")


def restore_database(args: argparse.Namespace) -> None:
    """Replace the database's contents with a backup; asks first unless --yes."""
    from server.backup import (
        BackupError,
        find_tools,
        libpq_connection,
        restore,
        server_major_version,
    )

    settings = _settings()
    url = _database_url(settings)
    if not args.yes:
        if not sys.stdin.isatty():
            sys.exit("restore replaces everything in the database: pass --yes to confirm")
        where = libpq_connection(url).uri
        answer = input(f"replace everything in {where} with {args.file}? type 'restore': ")
        if answer.strip() != "restore":
            sys.exit("nothing restored")
    try:
        tools = find_tools(asyncio.run(server_major_version(url)), settings.postgres_bin_dir)
        tables = restore(url, args.file, tools)
    except BackupError as error:
        sys.exit(f"restore failed: {error}")
    print(
        f"restored {len(tables)} tables from {args.file} (pg_restore {tools.major}); "
        "run `iworkz migrate` if the backup is older than this release"
    )


def build_parser() -> argparse.ArgumentParser:
    """Every command; tests/test_deploy_files.py parses compose's and Kubernetes' with it."""
    parser = argparse.ArgumentParser(prog="iworkz", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the API (embedded PostgreSQL unless DATABASE_URL)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument(
        "--workers", type=int, help="API processes sharing the port (uvicorn workers); default 1"
    )
    p.set_defaults(run=serve)

    p = commands.add_parser("migrate", help="apply database migrations")
    p.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 unless already migrated"
    )
    p.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="with --check: wait this long"
    )
    p.set_defaults(run=migrate)

    p = commands.add_parser("worker", help="run the arq background worker")
    p.add_argument(
        "--check", action="store_true", help="exit 0 if this host's worker is alive (a probe)"
    )
    p.add_argument(
        "--metrics-port", type=int, help="serve Prometheus metrics here (WORKER_METRICS_PORT)"
    )
    p.set_defaults(run=worker)

    p = commands.add_parser("seed-demo", help="fill the database with realistic demo data")
    p.add_argument("--workers", type=int, default=5000)
    p.add_argument("--jobs", type=int, default=500)
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(run=seed_demo)

    p = commands.add_parser("export-schema", help="write schema/schema.graphql")
    p.add_argument("--check", action="store_true", help="fail if the file is out of date")
    p.set_defaults(run=export_schema)
    add_schema_check_command(commands)

    p = commands.add_parser("create-partner-client", help="OAuth credentials for a partner")
    p.add_argument("owner", help="email of a user with the PARTNER role")
    p.add_argument("--name", required=True)
    p.add_argument(
        "--scope", action="append", required=True, choices=["jobs:read", "workers:read", "write"]
    )
    p.set_defaults(run=create_partner_client)

    p = commands.add_parser("create-user", help="create an admin or partner account")
    p.add_argument("email")
    p.add_argument("--name", default="Administrator")
    p.add_argument("--role", action="append", choices=["ADMIN", "PARTNER", "ISSUER"], required=True)
    p.add_argument("--password", help="prompted for when omitted")
    p.set_defaults(run=create_user)

    add_verify_command(commands)

    p = commands.add_parser(
        "reencrypt", help="re-encrypt personal data not under DATA_ENCRYPTION_ACTIVE_KEY"
    )
    p.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    p.set_defaults(run=reencrypt)

    p = commands.add_parser("backup", help="pg_dump the database (custom format)")
    p.add_argument(
        "target", type=Path, help="a file, or an existing folder for iworkz-<UTC time>.dump"
    )
    p.add_argument("--keep", type=int, metavar="N", help="then keep the newest N in the folder")
    p.set_defaults(run=backup_database)

    p = commands.add_parser("restore", help="replace the database's contents with a backup")
    p.add_argument("file", type=Path)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(run=restore_database)

    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
