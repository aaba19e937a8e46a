"""The one Schema object: every query and mutation of the API."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from resolvers import auth, jobs, skills, workers
from resolvers import node as nodes_resolvers
from schema.extensions import ErrorCodes
from schema.jobs import Job, JobPayload
from schema.organizations import Organization
from schema.prefectures import PrefectureInfo, all_prefectures
from schema.relay import Connection, Node
from schema.skills import Skill
from schema.users import AuthPayload, User
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


@strawberry.type(description="Everything a client can change.")
class Mutation:
    register: AuthPayload = strawberry.mutation(
        resolver=auth.register, description="Create an account and sign in."
    )
    login: AuthPayload = strawberry.mutation(
        resolver=auth.login, description="Sign in with email and password."
    )
    create_worker_profile: WorkerProfilePayload = strawberry.mutation(
        resolver=workers.create_worker_profile, description="Create your worker profile."
    )
    update_worker_profile: WorkerProfilePayload = strawberry.mutation(
        resolver=workers.update_worker_profile, description="Edit your worker profile."
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


def build_schema(*, mask_unexpected_errors: bool = False) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Job, Worker, Organization, Skill, User],
        config=StrawberryConfig(),
        extensions=[
            lambda: ErrorCodes(mask_unexpected=mask_unexpected_errors),
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=5000),
        ],
    )


schema = build_schema()
