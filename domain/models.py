"""Every table, imported in one place so alembic sees the whole schema."""

from sqlmodel import SQLModel

from domain.ai.models import AiExtraction
from domain.audit.models import AuditEvent
from domain.auth.models import Membership, OAuthClient, Organization, RefreshToken, User
from domain.credentials.models import AnchorBatch, Credential, IssuerKey
from domain.jobs.models import Job, JobSkill, JobStatusChange
from domain.matching.models import Match, MatchTransition
from domain.notifications.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    PushToken,
)
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.profiles.personal_data.models import WorkerPersonalData
from domain.skills.models import Skill
from domain.webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryAttempt

metadata = SQLModel.metadata

__all__ = [
    "AiExtraction",
    "AnchorBatch",
    "AuditEvent",
    "Credential",
    "IssuerKey",
    "Job",
    "JobSkill",
    "JobStatusChange",
    "Match",
    "MatchTransition",
    "Membership",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
    "OAuthClient",
    "Organization",
    "PushToken",
    "RefreshToken",
    "Skill",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WorkerPersonalData",
    "WorkerProfile",
    "WorkerSkill",
    "metadata",
]
