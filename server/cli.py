"""`iworkz` command line: serve, worker, migrate, seed-demo, export-schema, create-user,
create-partner-client, reencrypt."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import sys
from pathlib import Path
from types import FrameType

from server.logging_setup import configure_logging
from server.settings import Settings
from server.verify_cli import add_verify_command

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


def _prepared_database_url(settings: Settings) -> str:
    """The database URL, with the embedded server started and migrations applied."""
    from server.migrate import upgrade_to_head
    from server.services import database_url

    url = database_url(settings)
    upgrade_to_head(url)
    return url


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into a normal exit, so atexit handlers (the embedded PostgreSQL's stop) run."""
    sys.exit(0)


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from server.app import create_app

    # uvicorn handles SIGTERM itself, shuts down gracefully, then re-raises the signal; with
    # the default handler the process dies by the signal, atexit never runs and the embedded
    # PostgreSQL server keeps running.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    settings = _settings()
    url = _prepared_database_url(settings)
    settings = settings.model_copy(update={"database_url": url})
    print(f"iWORKZ API on http://{args.host or settings.host}:{args.port or settings.port}/graphql")
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
    )


def migrate(args: argparse.Namespace) -> None:
    _prepared_database_url(_settings())
    print("database is at the newest migration")


def worker(args: argparse.Namespace) -> None:
    from workers.settings import run_worker

    settings = _settings()
    if not settings.redis_url:
        sys.exit("the worker needs REDIS_URL; in embedded mode jobs run inside `serve`")
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="iworkz", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the API (embedded PostgreSQL unless DATABASE_URL)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(run=serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=migrate)
    commands.add_parser("worker", help="run the arq background worker").set_defaults(run=worker)

    p = commands.add_parser("seed-demo", help="fill the database with realistic demo data")
    p.add_argument("--workers", type=int, default=5000)
    p.add_argument("--jobs", type=int, default=500)
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(run=seed_demo)

    p = commands.add_parser("export-schema", help="write schema/schema.graphql")
    p.add_argument("--check", action="store_true", help="fail if the file is out of date")
    p.set_defaults(run=export_schema)

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

    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
