"""Every table, imported in one place so alembic sees the whole schema."""

from sqlmodel import SQLModel

from domain.audit.models import AuditEvent
from domain.auth.models import Membership, OAuthClient, Organization, RefreshToken, User
from domain.jobs.models import Job, JobSkill, JobStatusChange
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.profiles.personal_data.models import WorkerPersonalData
from domain.skills.models import Skill

metadata = SQLModel.metadata

__all__ = [
    "AuditEvent",
    "Job",
    "JobSkill",
    "JobStatusChange",
    "Membership",
    "OAuthClient",
    "Organization",
    "RefreshToken",
    "Skill",
    "User",
    "WorkerPersonalData",
    "WorkerProfile",
    "WorkerSkill",
    "metadata",
]
