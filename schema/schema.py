"""The one Schema object: every query and mutation of the API."""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers import ai as ai_resolvers
from resolvers import audit, auth, jobs, skills, subscriptions, workers
from resolvers import credentials as credential_resolvers
from resolvers import matches as match_resolvers
from resolvers import node as nodes_resolvers
from resolvers import notifications as notification_resolvers
from resolvers import personal_data as personal_data_resolvers
from resolvers import rate_limit as rate_limit_resolvers
from resolvers import webhooks as webhook_resolvers
from schema.ai import AskAnswer, JobExtraction, ProfileExtraction
from schema.arguments import install as install_planned_arguments
from schema.audit import AuditEvent
from schema.context import Info
from schema.credentials import (
    CredentialPayload,
    CredentialVerification,
    IssuerKeyPayload,
    PrepareCredentialPayload,
    SetIssuerTrustPayload,
)
from schema.document_cache import DocumentCache
from schema.events import CredentialEvent, JobEvent, MatchEvent
from schema.extension_hooks import ExtensionsRunner
from schema.extensions import ErrorCodes, OperationNameRequired
from schema.fast_execution import FastExecutionContext
from schema.jobs import Job, JobPayload
from schema.limits import QueryLimits
from schema.matches import Match, MatchPayload, StaffingProposal
from schema.notifications import (
    MarkNotificationsReadPayload,
    Notification,
    NotificationConnection,
    NotificationPreferences,
    NotificationPreferencesPayload,
    RegisterPushTokenPayload,
    UnregisterPushTokenPayload,
)
from schema.organizations import Organization
from schema.personal_data import WorkerPersonalDataPayload
from schema.prefectures import PrefectureInfo, all_prefectures
from schema.rate_limit import RateLimit
from schema.relay import Connection, Node
from schema.skills import Skill
from schema.suggestions import HideSuggestions
from schema.users import AuthPayload, LogoutPayload, User, UserPayload
from schema.variable_signatures import install as install_kept_variable_signatures
from schema.webhooks import CreateWebhookPayload, DeleteWebhookPayload, Webhook
from schema.workers import Worker, WorkerProfilePayload


def doc(resolver: Callable[..., Any]) -> str | None:
    """A resolver's docstring as its description, with `inspect.cleandoc`: Python before 3.13
    keeps the indentation of a docstring's later lines, which GraphQL would show."""
    return inspect.cleandoc(resolver.__doc__) if resolver.__doc__ else None


@strawberry.type(description="Everything a client can read.")
class Query:
    me: User | None = strawberry.field(resolver=auth.me, description=doc(auth.me))
    node: Node | None = strawberry.field(
        resolver=nodes_resolvers.node, description=doc(nodes_resolvers.node)
    )
    nodes: list[Node | None] = strawberry.field(
        resolver=nodes_resolvers.nodes, description=doc(nodes_resolvers.nodes)
    )
    jobs: Connection[Job] = strawberry.field(resolver=jobs.jobs, description=doc(jobs.jobs))
    workers: Connection[Worker] = strawberry.field(
        resolver=workers.workers, description=doc(workers.workers)
    )
    skills: list[Skill] = strawberry.field(resolver=skills.skills, description=doc(skills.skills))
    prefectures: list[PrefectureInfo] = strawberry.field(
        resolver=all_prefectures, description="Japan's 47 prefectures, in JIS order."
    )
    rate_limit: RateLimit | None = strawberry.field(
        resolver=rate_limit_resolvers.rate_limit,
        description=doc(rate_limit_resolvers.rate_limit),
    )
    audit_events: Connection[AuditEvent] = strawberry.field(
        resolver=audit.audit_events, description=doc(audit.audit_events)
    )
    notifications: NotificationConnection = strawberry.field(
        resolver=notification_resolvers.notifications,
        description=doc(notification_resolvers.notifications),
    )
    notification_preferences: NotificationPreferences = strawberry.field(
        resolver=notification_resolvers.notification_preferences,
        description=doc(notification_resolvers.notification_preferences),
    )
    webhooks: Connection[Webhook] = strawberry.field(
        resolver=webhook_resolvers.webhooks, description=doc(webhook_resolvers.webhooks)
    )
    matches: Connection[Match] = strawberry.field(
        resolver=match_resolvers.matches, description=doc(match_resolvers.matches)
    )
    recommended_workers: Connection[Match] = strawberry.field(
        resolver=match_resolvers.recommended_workers,
        description=doc(match_resolvers.recommended_workers),
    )
    propose_staffing: StaffingProposal = strawberry.field(
        resolver=match_resolvers.propose_staffing,
        description=doc(match_resolvers.propose_staffing),
    )
    recommended_jobs: Connection[Match] = strawberry.field(
        resolver=match_resolvers.recommended_jobs,
        description=doc(match_resolvers.recommended_jobs),
    )
    extract_job_requirements: JobExtraction = strawberry.field(
        resolver=ai_resolvers.extract_job_requirements,
        description=doc(ai_resolvers.extract_job_requirements),
    )
    extract_worker_profile: ProfileExtraction = strawberry.field(
        resolver=ai_resolvers.extract_worker_profile,
        description=doc(ai_resolvers.extract_worker_profile),
    )
    ask: AskAnswer = strawberry.field(resolver=ai_resolvers.ask, description=doc(ai_resolvers.ask))

    verify_credential: CredentialVerification = strawberry.field(
        resolver=credential_resolvers.verify_credential,
        description=doc(credential_resolvers.verify_credential),
    )


@strawberry.type(description="Everything a client can change.")
class Mutation:
    register: AuthPayload = strawberry.mutation(
        resolver=auth.register, description="Create an account and sign in."
    )
    login: AuthPayload = strawberry.mutation(
        resolver=auth.login,
        description="Sign in with email and password. Repeated failures are throttled "
        "per account and per address.",
    )
    refresh_session: AuthPayload = strawberry.mutation(
        resolver=auth.refresh_session,
        description="Trade a refresh token for a new access and refresh token.",
    )
    logout: LogoutPayload = strawberry.mutation(
        resolver=auth.logout, description="End the session this refresh token belongs to."
    )
    logout_everywhere: LogoutPayload = strawberry.mutation(
        resolver=auth.logout_everywhere,
        description="End all your sessions; every access token issued so far stops working.",
    )
    change_password: AuthPayload = strawberry.mutation(
        resolver=auth.change_password,
        description="Change your password; all other sessions end and you get a fresh one.",
    )
    set_user_roles: UserPayload = strawberry.mutation(
        resolver=auth.set_user_roles, description="Set a user's roles (admins only)."
    )
    create_worker_profile: WorkerProfilePayload = strawberry.mutation(
        resolver=workers.create_worker_profile, description="Create your worker profile."
    )
    update_worker_profile: WorkerProfilePayload = strawberry.mutation(
        resolver=workers.update_worker_profile, description="Edit your worker profile."
    )
    update_worker_personal_data: WorkerPersonalDataPayload = strawberry.mutation(
        resolver=personal_data_resolvers.update_worker_personal_data,
        description=doc(personal_data_resolvers.update_worker_personal_data),
    )
    create_job: JobPayload = strawberry.mutation(
        resolver=jobs.create_job, description="Create a job as a DRAFT for your organisation."
    )
    update_job: JobPayload = strawberry.mutation(
        resolver=jobs.update_job, description="Edit a job of your organisation."
    )
    publish_job: JobPayload = strawberry.mutation(
        resolver=jobs.publish_job, description=doc(jobs.publish_job)
    )
    pause_job: JobPayload = strawberry.mutation(
        resolver=jobs.pause_job, description=doc(jobs.pause_job)
    )
    close_job: JobPayload = strawberry.mutation(
        resolver=jobs.close_job, description=doc(jobs.close_job)
    )
    mark_job_filled: JobPayload = strawberry.mutation(
        resolver=jobs.mark_job_filled, description=doc(jobs.mark_job_filled)
    )
    mark_notifications_read: MarkNotificationsReadPayload = strawberry.mutation(
        resolver=notification_resolvers.mark_notifications_read,
        description=doc(notification_resolvers.mark_notifications_read),
    )
    update_notification_preferences: NotificationPreferencesPayload = strawberry.mutation(
        resolver=notification_resolvers.update_notification_preferences,
        description=doc(notification_resolvers.update_notification_preferences),
    )
    register_push_token: RegisterPushTokenPayload = strawberry.mutation(
        resolver=notification_resolvers.register_push_token,
        description=doc(notification_resolvers.register_push_token),
    )
    unregister_push_token: UnregisterPushTokenPayload = strawberry.mutation(
        resolver=notification_resolvers.unregister_push_token,
        description=doc(notification_resolvers.unregister_push_token),
    )
    create_webhook: CreateWebhookPayload = strawberry.mutation(
        resolver=webhook_resolvers.create_webhook,
        description=doc(webhook_resolvers.create_webhook),
    )
    delete_webhook: DeleteWebhookPayload = strawberry.mutation(
        resolver=webhook_resolvers.delete_webhook,
        description=doc(webhook_resolvers.delete_webhook),
    )
    apply_to_job: MatchPayload = strawberry.mutation(
        resolver=match_resolvers.apply_to_job,
        description="Apply to an open job (or accept the engine's suggestion); idempotent.",
    )
    invite_worker: MatchPayload = strawberry.mutation(
        resolver=match_resolvers.invite_worker,
        description="Invite a worker to one of your organisation's open jobs; idempotent.",
    )
    transition_match: MatchPayload = strawberry.mutation(
        resolver=match_resolvers.transition_match,
        description="Move a match on: interview, offer, hire, decline, reject or withdraw. "
        "Each step is allowed to one side only.",
    )
    add_issuer_key: IssuerKeyPayload = strawberry.mutation(
        resolver=credential_resolvers.add_issuer_key,
        description=doc(credential_resolvers.add_issuer_key),
    )
    retire_issuer_key: IssuerKeyPayload = strawberry.mutation(
        resolver=credential_resolvers.retire_issuer_key,
        description=doc(credential_resolvers.retire_issuer_key),
    )
    mark_issuer_key_compromised: IssuerKeyPayload = strawberry.mutation(
        resolver=credential_resolvers.mark_issuer_key_compromised,
        description=doc(credential_resolvers.mark_issuer_key_compromised),
    )
    set_issuer_trust: SetIssuerTrustPayload = strawberry.mutation(
        resolver=credential_resolvers.set_issuer_trust,
        description=doc(credential_resolvers.set_issuer_trust),
    )
    issue_credential: CredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.issue_credential,
        description=doc(credential_resolvers.issue_credential),
    )
    prepare_credential: PrepareCredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.prepare_credential,
        description=doc(credential_resolvers.prepare_credential),
    )
    submit_credential_signature: CredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.submit_credential_signature,
        description=doc(credential_resolvers.submit_credential_signature),
    )
    revoke_credential: CredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.revoke_credential,
        description=doc(credential_resolvers.revoke_credential),
    )


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Quiet: user errors are not incidents, and ErrorCodes logs the unexpected ones."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Hooks looked up once per extension class (schema/extension_hooks.py)."""
        return ExtensionsRunner(execution_context=execution_context, extensions=extensions)


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws or graphql-ws).")
class Subscription:
    @strawberry.subscription(description=doc(subscriptions.job_events))
    async def job_events(
        self,
        info: Info,
        job_id: Annotated[strawberry.ID, strawberry.argument(description="The job to watch.")],
    ) -> AsyncGenerator[JobEvent, None]:
        async for event in subscriptions.job_events(info, job_id):
            yield event

    @strawberry.subscription(description=doc(subscriptions.match_events))
    async def match_events(
        self,
        info: Info,
        job_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this job's matches; all of yours when null."),
        ] = None,
    ) -> AsyncGenerator[MatchEvent, None]:
        async for event in subscriptions.match_events(info, job_id):
            yield event

    @strawberry.subscription(description=doc(subscriptions.credential_events))
    async def credential_events(
        self,
        info: Info,
        credential_id: Annotated[
            strawberry.ID, strawberry.argument(description="The credential to watch.")
        ],
    ) -> AsyncGenerator[CredentialEvent, None]:
        async for event in subscriptions.credential_events(info, credential_id):
            yield event

    @strawberry.subscription(description=doc(subscriptions.notifications))
    async def notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        async for notification in subscriptions.notifications(info):
            yield notification


def build_schema(
    *,
    mask_unexpected_errors: bool = False,
    introspection: bool = True,
    field_suggestions: bool = True,
    query_limits: QueryLimits | None = None,
    fast_execution: bool = True,
    cache_documents: bool = True,
    extra_extensions: tuple[Any, ...] = (),
) -> strawberry.Schema:
    """The schema with its protections; `create_app` derives the flags from settings.

    `query_limits` defaults to the default ceilings without per-caller budgets.
    `fast_execution` (setting FAST_EXECUTION) reads plain fields without graphql-core's
    per-field bookkeeping (schema/fast_execution.py); off, strawberry's executor runs.
    `cache_documents` parses and validates each distinct text once (schema/document_cache.py)."""
    install_planned_arguments()
    install_kept_variable_signatures()
    limits = query_limits or QueryLimits()
    extensions: list[Any] = [
        lambda: ErrorCodes(mask_unexpected=mask_unexpected_errors),
        OperationNameRequired,
        *limits.extensions(),
        *extra_extensions,  # e.g. trusted documents (server/persisted_queries.py)
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    if not field_suggestions:
        extensions.append(HideSuggestions)
    if cache_documents:  # last: it must see what the others decided (schema/document_cache.py)
        extensions.append(DocumentCache().extension)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Job, Worker, Organization, Skill, User, Notification, Webhook, Match],
        config=StrawberryConfig(disable_field_suggestions=not field_suggestions),
        extensions=extensions,
        execution_context_class=FastExecutionContext if fast_execution else None,
    )


schema = build_schema()
