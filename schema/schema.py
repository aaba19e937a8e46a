"""The one Schema object: every query and mutation of the API."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.schema.config import StrawberryConfig

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
from schema.webhooks import CreateWebhookPayload, DeleteWebhookPayload, Webhook
from schema.workers import Worker, WorkerProfilePayload


@strawberry.type(description="Everything a client can read.")
class Query:
    me: User | None = strawberry.field(resolver=auth.me, description=auth.me.__doc__)
    node: Node | None = strawberry.field(
        resolver=nodes_resolvers.node, description=nodes_resolvers.node.__doc__
    )
    nodes: list[Node | None] = strawberry.field(
        resolver=nodes_resolvers.nodes, description=nodes_resolvers.nodes.__doc__
    )
    jobs: Connection[Job] = strawberry.field(resolver=jobs.jobs, description=jobs.jobs.__doc__)
    workers: Connection[Worker] = strawberry.field(
        resolver=workers.workers, description=workers.workers.__doc__
    )
    skills: list[Skill] = strawberry.field(
        resolver=skills.skills, description=skills.skills.__doc__
    )
    prefectures: list[PrefectureInfo] = strawberry.field(
        resolver=all_prefectures, description="Japan's 47 prefectures, in JIS order."
    )
    rate_limit: RateLimit | None = strawberry.field(
        resolver=rate_limit_resolvers.rate_limit,
        description=rate_limit_resolvers.rate_limit.__doc__,
    )
    audit_events: Connection[AuditEvent] = strawberry.field(
        resolver=audit.audit_events, description=audit.audit_events.__doc__
    )
    notifications: NotificationConnection = strawberry.field(
        resolver=notification_resolvers.notifications,
        description=notification_resolvers.notifications.__doc__,
    )
    notification_preferences: NotificationPreferences = strawberry.field(
        resolver=notification_resolvers.notification_preferences,
        description=notification_resolvers.notification_preferences.__doc__,
    )
    webhooks: Connection[Webhook] = strawberry.field(
        resolver=webhook_resolvers.webhooks, description=webhook_resolvers.webhooks.__doc__
    )
    matches: Connection[Match] = strawberry.field(
        resolver=match_resolvers.matches, description=match_resolvers.matches.__doc__
    )
    recommended_workers: Connection[Match] = strawberry.field(
        resolver=match_resolvers.recommended_workers,
        description=match_resolvers.recommended_workers.__doc__,
    )
    propose_staffing: StaffingProposal = strawberry.field(
        resolver=match_resolvers.propose_staffing,
        description=match_resolvers.propose_staffing.__doc__,
    )
    recommended_jobs: Connection[Match] = strawberry.field(
        resolver=match_resolvers.recommended_jobs,
        description=match_resolvers.recommended_jobs.__doc__,
    )
    extract_job_requirements: JobExtraction = strawberry.field(
        resolver=ai_resolvers.extract_job_requirements,
        description=ai_resolvers.extract_job_requirements.__doc__,
    )
    extract_worker_profile: ProfileExtraction = strawberry.field(
        resolver=ai_resolvers.extract_worker_profile,
        description=ai_resolvers.extract_worker_profile.__doc__,
    )
    ask: AskAnswer = strawberry.field(
        resolver=ai_resolvers.ask, description=ai_resolvers.ask.__doc__
    )

    verify_credential: CredentialVerification = strawberry.field(
        resolver=credential_resolvers.verify_credential,
        description=credential_resolvers.verify_credential.__doc__,
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
        description=personal_data_resolvers.update_worker_personal_data.__doc__,
    )
    create_job: JobPayload = strawberry.mutation(
        resolver=jobs.create_job, description="Create a job as a DRAFT for your organisation."
    )
    update_job: JobPayload = strawberry.mutation(
        resolver=jobs.update_job, description="Edit a job of your organisation."
    )
    publish_job: JobPayload = strawberry.mutation(
        resolver=jobs.publish_job, description=jobs.publish_job.__doc__
    )
    pause_job: JobPayload = strawberry.mutation(
        resolver=jobs.pause_job, description=jobs.pause_job.__doc__
    )
    close_job: JobPayload = strawberry.mutation(
        resolver=jobs.close_job, description=jobs.close_job.__doc__
    )
    mark_job_filled: JobPayload = strawberry.mutation(
        resolver=jobs.mark_job_filled, description=jobs.mark_job_filled.__doc__
    )
    mark_notifications_read: MarkNotificationsReadPayload = strawberry.mutation(
        resolver=notification_resolvers.mark_notifications_read,
        description=notification_resolvers.mark_notifications_read.__doc__,
    )
    update_notification_preferences: NotificationPreferencesPayload = strawberry.mutation(
        resolver=notification_resolvers.update_notification_preferences,
        description=notification_resolvers.update_notification_preferences.__doc__,
    )
    register_push_token: RegisterPushTokenPayload = strawberry.mutation(
        resolver=notification_resolvers.register_push_token,
        description=notification_resolvers.register_push_token.__doc__,
    )
    unregister_push_token: UnregisterPushTokenPayload = strawberry.mutation(
        resolver=notification_resolvers.unregister_push_token,
        description=notification_resolvers.unregister_push_token.__doc__,
    )
    create_webhook: CreateWebhookPayload = strawberry.mutation(
        resolver=webhook_resolvers.create_webhook,
        description=webhook_resolvers.create_webhook.__doc__,
    )
    delete_webhook: DeleteWebhookPayload = strawberry.mutation(
        resolver=webhook_resolvers.delete_webhook,
        description=webhook_resolvers.delete_webhook.__doc__,
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
        description=credential_resolvers.add_issuer_key.__doc__,
    )
    retire_issuer_key: IssuerKeyPayload = strawberry.mutation(
        resolver=credential_resolvers.retire_issuer_key,
        description=credential_resolvers.retire_issuer_key.__doc__,
    )
    mark_issuer_key_compromised: IssuerKeyPayload = strawberry.mutation(
        resolver=credential_resolvers.mark_issuer_key_compromised,
        description=credential_resolvers.mark_issuer_key_compromised.__doc__,
    )
    set_issuer_trust: SetIssuerTrustPayload = strawberry.mutation(
        resolver=credential_resolvers.set_issuer_trust,
        description=credential_resolvers.set_issuer_trust.__doc__,
    )
    issue_credential: CredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.issue_credential,
        description=credential_resolvers.issue_credential.__doc__,
    )
    prepare_credential: PrepareCredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.prepare_credential,
        description=credential_resolvers.prepare_credential.__doc__,
    )
    submit_credential_signature: CredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.submit_credential_signature,
        description=credential_resolvers.submit_credential_signature.__doc__,
    )
    revoke_credential: CredentialPayload = strawberry.mutation(
        resolver=credential_resolvers.revoke_credential,
        description=credential_resolvers.revoke_credential.__doc__,
    )


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Quiet: user errors are not incidents, and ErrorCodes logs the unexpected ones."""


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws or graphql-ws).")
class Subscription:
    @strawberry.subscription(description=subscriptions.job_events.__doc__)
    async def job_events(
        self,
        info: Info,
        job_id: Annotated[strawberry.ID, strawberry.argument(description="The job to watch.")],
    ) -> AsyncGenerator[JobEvent, None]:
        async for event in subscriptions.job_events(info, job_id):
            yield event

    @strawberry.subscription(description=subscriptions.match_events.__doc__)
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

    @strawberry.subscription(description=subscriptions.credential_events.__doc__)
    async def credential_events(
        self,
        info: Info,
        credential_id: Annotated[
            strawberry.ID, strawberry.argument(description="The credential to watch.")
        ],
    ) -> AsyncGenerator[CredentialEvent, None]:
        async for event in subscriptions.credential_events(info, credential_id):
            yield event

    @strawberry.subscription(description=subscriptions.notifications.__doc__)
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
