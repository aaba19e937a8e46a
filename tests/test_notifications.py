"""Stored notifications: created by events through the arq worker, listed, read, kept private;
preferences and quiet hours; push devices."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from domain.events import DomainEvent
from domain.notifications import preferences as preference_rules
from domain.notifications import service as notification_service
from domain.notifications.kinds import KIND_SPECS, Channel, NotificationKind
from domain.notifications.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    PushToken,
)
from domain.notifications.service import notify
from schema.ids import to_global_id
from tests.background import run_jobs
from tests.factories import create_job
from tests.graphql_client import (
    PASSWORD,
    create_admin,
    data,
    error_codes,
    gql,
    login,
    register,
)
from workers.tasks import handle_event

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

NOTIFICATIONS = """
query($unreadOnly: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount unreadCount
    edges { cursor node { id kind payload title body read readAt createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
MARK_READ = """
mutation($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) {
    notifications { id read readAt } markedCount unreadCount errors { field code message }
  }
}
"""
PREFERENCES = """
{ notificationPreferences { timeZone quietHours { start end }
    preferences { kind channel enabled locked } } }
"""
UPDATE_PREFERENCES = """
mutation($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    preferences { timeZone quietHours { start end } preferences { kind channel enabled locked } }
    errors { field code message }
  }
}
"""
REGISTER_PUSH = """
mutation($input: RegisterPushTokenInput!) {
  registerPushToken(input: $input) { device { id platform deviceName } errors { field code } }
}
"""
UNREGISTER_PUSH = """
mutation($input: UnregisterPushTokenInput!) {
  unregisterPushToken(input: $input) { ok errors { field code } }
}
"""
CHANGE_PASSWORD = """
mutation($input: ChangePasswordInput!) { changePassword(input: $input) { errors { code } } }
"""
EXPO_TOKEN = "ExponentPushToken[abcdefghijklmnopqrstuv]"


async def notifications_of(client, token, **variables):
    return data(await gql(client, NOTIFICATIONS, variables, token))["notifications"]


async def count_rows(services, model, *where) -> int:
    async with services.database.session() as session:
        statement = select(func.count()).select_from(model)
        if where:
            statement = statement.where(*where)
        return int((await session.execute(statement)).scalar_one())


# --- created by events, through the real arq worker -----------------------------------------


async def test_publishing_a_job_tells_its_organisation_that_it_is_live(client, services):
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    outsider = await register(client, "hr@b.example", "EMPLOYER", "Org B")
    job = await create_job(client, employer.token, publish=True, title="夜勤スタッフ")
    await run_jobs(services)

    listed = await notifications_of(client, employer.token)
    assert listed["totalCount"] == 1 and listed["unreadCount"] == 1
    node = listed["edges"][0]["node"]
    assert node["kind"] == "JOB_PUBLISHED"
    assert node["payload"] == {"jobId": job["id"], "title": "夜勤スタッフ"}
    assert node["title"] == "求人が公開されました" and "夜勤スタッフ" in node["body"]
    assert node["read"] is False and node["readAt"] is None
    assert (await notifications_of(client, outsider.token))["totalCount"] == 0


async def test_account_security_events_notify_the_account_owner(client, services):
    worker = await register(client, "aiko@example.com")
    admin = await create_admin(services, client)
    await login(client, "aiko@example.com")
    changed = await gql(
        client,
        CHANGE_PASSWORD,
        {"input": {"currentPassword": PASSWORD, "newPassword": "another long password"}},
        worker.token,
    )
    assert data(changed)["changePassword"]["errors"] == []
    fresh = await login(client, "aiko@example.com", "another long password")
    roles = await gql(
        client,
        "mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) { errors { code } } }",
        {"input": {"userId": worker.user_id, "roles": ["WORKER", "EMPLOYER"]}},
        admin.token,
    )
    assert data(roles)["setUserRoles"]["errors"] == []
    await run_jobs(services)

    kinds = [e["node"]["kind"] for e in (await notifications_of(client, fresh.token))["edges"]]
    assert sorted(kinds) == sorted(
        [
            "ACCOUNT_NEW_SIGN_IN",
            "ACCOUNT_PASSWORD_CHANGED",
            "ACCOUNT_NEW_SIGN_IN",
            "ACCOUNT_ROLES_CHANGED",
        ]
    )
    roles_changed = next(
        e["node"]
        for e in (await notifications_of(client, fresh.token))["edges"]
        if e["node"]["kind"] == "ACCOUNT_ROLES_CHANGED"
    )
    assert roles_changed["payload"] == {"roles": ["EMPLOYER", "WORKER"]}
    # Nothing secret is stored with a notification.
    async with services.database.session() as session:
        payloads = (await session.execute(select(Notification.payload))).scalars().all()
    assert "password" not in str(payloads).lower() and "token" not in str(payloads).lower()


async def test_the_same_event_handled_twice_notifies_once(client, services):
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    job = await create_job(client, employer.token, title="Draft")
    event = DomainEvent(
        "job.published",
        {"job_id": str(_pk(job["id"])), "organization_id": "ignored", "status": "OPEN"},
    )
    ctx = {"services": services}
    assert await handle_event(ctx, event.to_json()) >= 1
    assert await handle_event(ctx, event.to_json()) >= 1  # a retried job runs every handler again
    assert await count_rows(services, Notification) == 1
    listed = await notifications_of(client, employer.token)
    assert listed["totalCount"] == 1


async def test_storing_records_notification_created_for_the_live_feed(client, services):
    worker = await register(client, "aiko@example.com")
    user_id = _pk(worker.user_id)
    event = DomainEvent("user.password_changed", {"user_id": str(user_id)})
    async with services.database.transaction(services.bus, services.queue) as uow:
        created = await notify(
            uow,
            user_id=user_id,
            kind=NotificationKind.ACCOUNT_PASSWORD_CHANGED,
            payload={},
            event=event,
        )
        recorded = list(uow.events)
    assert created is not None
    assert [(e.name, e.payload) for e in recorded] == [
        (
            "notification.created",
            {
                "notification_id": str(created),
                "user_id": str(user_id),
                "kind": "account.password_changed",
            },
        )
    ]
    async with services.database.transaction(services.bus, services.queue) as uow:
        again = await notify(
            uow,
            user_id=user_id,
            kind=NotificationKind.ACCOUNT_PASSWORD_CHANGED,
            payload={},
            event=event,
        )
        assert again is None and uow.events == []  # nothing new, nothing announced


def _pk(global_id: str) -> uuid.UUID:
    from schema.ids import from_global_id

    return from_global_id(global_id)[1]


# --- listing, reading, privacy --------------------------------------------------------------


async def _notifications_for(services, user_id: str, count: int) -> list[str]:
    """Store `count` notifications for a user directly (as a handler would)."""
    ids = []
    for index in range(count):
        async with services.database.transaction(services.bus, services.queue) as uow:
            created = await notify(
                uow,
                user_id=_pk(user_id),
                kind=NotificationKind.JOB_PUBLISHED,
                payload={"title": f"job {index}"},
                event=DomainEvent("job.published", {}),
            )
        ids.append(to_global_id("Notification", created))
    return ids


async def test_pages_newest_first_and_unread_only(client, services):
    worker = await register(client, "aiko@example.com")
    ids = await _notifications_for(services, worker.user_id, 5)
    first = await notifications_of(client, worker.token, first=2)
    assert [e["node"]["id"] for e in first["edges"]] == [ids[4], ids[3]]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await notifications_of(
        client, worker.token, first=10, after=first["pageInfo"]["endCursor"]
    )
    assert [e["node"]["id"] for e in rest["edges"]] == [ids[2], ids[1], ids[0]]

    marked = data(await gql(client, MARK_READ, {"input": {"ids": [ids[0], ids[4]]}}, worker.token))
    payload = marked["markNotificationsRead"]
    assert payload["errors"] == [] and payload["markedCount"] == 2 and payload["unreadCount"] == 3
    assert [n["id"] for n in payload["notifications"]] == [ids[0], ids[4]]
    assert all(n["read"] and n["readAt"] for n in payload["notifications"])
    unread = await notifications_of(client, worker.token, unreadOnly=True)
    assert [e["node"]["id"] for e in unread["edges"]] == [ids[3], ids[2], ids[1]]
    assert unread["totalCount"] == 3 and unread["unreadCount"] == 3

    again = data(await gql(client, MARK_READ, {"input": {"ids": [ids[0]]}}, worker.token))
    assert again["markNotificationsRead"]["markedCount"] == 0  # idempotent: time kept
    everything = data(await gql(client, MARK_READ, {"input": {"all": True}}, worker.token))
    assert everything["markNotificationsRead"]["markedCount"] == 3
    assert everything["markNotificationsRead"]["unreadCount"] == 0


async def test_other_users_notifications_look_missing(client, services):
    aiko = await register(client, "aiko@example.com")
    ben = await register(client, "ben@example.com")
    (theirs,) = await _notifications_for(services, aiko.user_id, 1)
    (mine,) = await _notifications_for(services, ben.user_id, 1)
    node = "query($id: ID!) { node(id: $id) { id ... on Notification { kind } } }"
    assert data(await gql(client, node, {"id": theirs}, ben.token))["node"] is None
    assert data(await gql(client, node, {"id": theirs}, aiko.token))["node"]["kind"]
    missing = to_global_id("Notification", uuid.uuid4())
    for attempt in ([theirs], [mine, theirs], [missing]):
        result = data(await gql(client, MARK_READ, {"input": {"ids": attempt}}, ben.token))
        payload = result["markNotificationsRead"]
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
        assert payload["errors"][0]["field"] == f"ids.{len(attempt) - 1}"
    # nothing was written: both are still unread
    assert await count_rows(services, Notification, Notification.read_at.is_not(None)) == 0  # type: ignore[union-attr]
    assert [e["node"]["id"] for e in (await notifications_of(client, ben.token))["edges"]] == [mine]


@pytest.mark.parametrize(
    ("mark", "field", "code"),
    [
        ({}, "ids", "REQUIRED"),
        ({"ids": []}, "ids", "REQUIRED"),
        ({"all": False}, "ids", "REQUIRED"),
        ({"ids": ["bm90LWFuLWlk"]}, "ids.0", "INVALID_ID"),
        ({"ids": [to_global_id("Job", uuid.uuid4())]}, "ids.0", "INVALID_ID"),
        ({"ids": [to_global_id("Notification", uuid.uuid4())], "all": True}, "all", "INVALID"),
    ],
)
async def test_bad_mark_read_input_is_a_typed_error(client, services, mark, field, code):
    worker = await register(client, "aiko@example.com")
    await _notifications_for(services, worker.user_id, 1)
    result = data(await gql(client, MARK_READ, {"input": mark}, worker.token))
    errors = result["markNotificationsRead"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert (await notifications_of(client, worker.token))["unreadCount"] == 1


async def test_notifications_need_a_signed_in_user(client):
    assert error_codes(await gql(client, NOTIFICATIONS)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(client, PREFERENCES)) == ["UNAUTHENTICATED"]


# --- preferences and quiet hours ------------------------------------------------------------


async def test_preferences_default_then_change_and_read_back(client):
    worker = await register(client, "aiko@example.com")
    defaults = data(await gql(client, PREFERENCES, token=worker.token))["notificationPreferences"]
    assert defaults["timeZone"] == "Asia/Tokyo" and defaults["quietHours"] is None
    table = {(p["kind"], p["channel"]): p for p in defaults["preferences"]}
    assert len(table) == len(KIND_SPECS) * len(Channel)
    assert table[("JOB_PUBLISHED", "EMAIL")]["enabled"] is False
    assert table[("ACCOUNT_PASSWORD_CHANGED", "EMAIL")] == {
        "kind": "ACCOUNT_PASSWORD_CHANGED",
        "channel": "EMAIL",
        "enabled": True,
        "locked": True,
    }

    changed = data(
        await gql(
            client,
            UPDATE_PREFERENCES,
            {
                "input": {
                    "preferences": [
                        {"kind": "JOB_PUBLISHED", "channel": "EMAIL", "enabled": True},
                        {"kind": "ACCOUNT_NEW_SIGN_IN", "channel": "EMAIL", "enabled": False},
                    ],
                    "quietHours": {"start": "22:00", "end": "07:30"},
                    "timeZone": "Asia/Ho_Chi_Minh",
                }
            },
            worker.token,
        )
    )["updateNotificationPreferences"]
    assert changed["errors"] == []
    assert changed["preferences"]["quietHours"] == {"start": "22:00", "end": "07:30"}
    read_back = data(await gql(client, PREFERENCES, token=worker.token))["notificationPreferences"]
    assert read_back == changed["preferences"]
    table = {(p["kind"], p["channel"]): p["enabled"] for p in read_back["preferences"]}
    assert table[("JOB_PUBLISHED", "EMAIL")] is True
    assert table[("ACCOUNT_NEW_SIGN_IN", "EMAIL")] is False
    assert read_back["timeZone"] == "Asia/Ho_Chi_Minh"

    # omitted fields stay; null quiet hours removes them
    cleared = data(
        await gql(client, UPDATE_PREFERENCES, {"input": {"quietHours": None}}, worker.token)
    )["updateNotificationPreferences"]["preferences"]
    assert cleared["quietHours"] is None and cleared["timeZone"] == "Asia/Ho_Chi_Minh"
    assert cleared["preferences"] == read_back["preferences"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quietHours": {"start": "25:00", "end": "07:00"}}, [("quietHours.start", "INVALID")]),
        ({"quietHours": {"start": "7:00", "end": "07:00"}}, [("quietHours.start", "INVALID")]),
        ({"quietHours": {"start": "07:00", "end": "07:00"}}, [("quietHours.end", "INVALID")]),
        ({"timeZone": "Mars/Olympus_Mons"}, [("timeZone", "INVALID")]),
        (
            {
                "preferences": [
                    {"kind": "ACCOUNT_PASSWORD_CHANGED", "channel": "EMAIL", "enabled": False}
                ]
            },
            [("preferences.0.enabled", "FORBIDDEN")],
        ),
        (
            {
                "preferences": [
                    {"kind": "JOB_PUBLISHED", "channel": "PUSH", "enabled": True},
                    {"kind": "JOB_PUBLISHED", "channel": "PUSH", "enabled": False},
                ]
            },
            [("preferences.1", "DUPLICATE")],
        ),
    ],
)
async def test_bad_preferences_are_typed_errors_and_write_nothing(
    client, services, change, expected
):
    worker = await register(client, "aiko@example.com")
    result = data(
        await gql(
            client,
            UPDATE_PREFERENCES,
            {"input": {**change, "timeZone": change.get("timeZone", "Europe/London")}},
            worker.token,
        )
    )["updateNotificationPreferences"]
    assert result["preferences"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == expected
    assert await count_rows(services, NotificationPreference) == 0


async def test_channels_follow_preferences(client, services):
    worker = await register(client, "aiko@example.com")
    await gql(
        client,
        UPDATE_PREFERENCES,
        {
            "input": {
                "preferences": [
                    {"kind": "JOB_PUBLISHED", "channel": "IN_APP", "enabled": False},
                    {"kind": "JOB_PUBLISHED", "channel": "PUSH", "enabled": True},
                    {"kind": "ACCOUNT_ROLES_CHANGED", "channel": "IN_APP", "enabled": False},
                    {"kind": "ACCOUNT_ROLES_CHANGED", "channel": "EMAIL", "enabled": False},
                ]
            }
        },
        worker.token,
    )
    user_id = _pk(worker.user_id)
    async with services.database.transaction(services.bus, services.queue) as uow:
        pushed_only = await notify(
            uow,
            user_id=user_id,
            kind=NotificationKind.JOB_PUBLISHED,
            payload={},
            event=DomainEvent("job.published", {}),
        )
        assert uow.events == []  # not wanted in the app: nothing on the live feed
        nothing = await notify(
            uow,
            user_id=user_id,
            kind=NotificationKind.ACCOUNT_ROLES_CHANGED,
            payload={},
            event=DomainEvent("user.roles_changed", {}),
        )
    assert nothing is None
    async with services.database.session() as session:
        stored = await session.get(Notification, pushed_only)
        channels = (
            (
                await session.execute(
                    select(NotificationDelivery.channel).where(
                        NotificationDelivery.notification_id == pushed_only  # type: ignore[arg-type]
                    )
                )
            )
            .scalars()
            .all()
        )
    assert stored is not None and stored.read_at is not None  # kept as history, already read
    assert channels == ["PUSH"]
    listed = await notifications_of(client, worker.token)
    assert listed["unreadCount"] == 0 and listed["totalCount"] == 1


TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("local_now", "start", "end", "expected_local_end"),
    [
        (datetime(2026, 3, 1, 23, 30), time(22), time(7), datetime(2026, 3, 2, 7, 0)),
        (datetime(2026, 3, 2, 6, 59), time(22), time(7), datetime(2026, 3, 2, 7, 0)),
        (datetime(2026, 3, 2, 7, 0), time(22), time(7), None),
        (datetime(2026, 3, 2, 12, 0), time(22), time(7), None),
        (datetime(2026, 3, 2, 13, 0), time(12, 30), time(13, 30), datetime(2026, 3, 2, 13, 30)),
        (datetime(2026, 3, 2, 12, 0), time(12, 30), time(13, 30), None),
    ],
)
def test_quiet_hours_end(local_now, start, end, expected_local_end):
    now = local_now.replace(tzinfo=TOKYO).astimezone(UTC)
    found = preference_rules.quiet_hours_end(now, start, end, TOKYO)
    expected = expected_local_end.replace(tzinfo=TOKYO) if expected_local_end else None
    assert found == expected


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    start=st.times(),
    end=st.times(),
    zone=st.sampled_from(["Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "UTC"]),
)
def test_quiet_hours_end_after_now_within_a_day_at_the_end_time(now, start, end, zone):
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    if start == end:
        return
    local = now.astimezone(ZoneInfo(zone)).time().replace(tzinfo=None)
    inside = start <= local < end if start < end else (local >= start or local < end)
    found = preference_rules.quiet_hours_end(now, start, end, ZoneInfo(zone))
    assert (found is not None) == inside
    if found is not None:
        assert now < found <= now + timedelta(hours=24)
        assert found.astimezone(ZoneInfo(zone)).time() == end


async def test_quiet_hours_defer_email_and_push_until_they_end(client, services, monkeypatch):
    worker = await register(client, "aiko@example.com")
    await gql(
        client,
        UPDATE_PREFERENCES,
        {
            "input": {
                "quietHours": {"start": "22:00", "end": "07:00"},
                "preferences": [{"kind": "JOB_PUBLISHED", "channel": "EMAIL", "enabled": True}],
            }
        },
        worker.token,
    )
    day = datetime.now(TOKYO).date() + timedelta(days=2)  # arq refuses jobs deferred into the past
    night = datetime.combine(day, time(23, 30), tzinfo=TOKYO).astimezone(UTC)
    monkeypatch.setattr(notification_service, "utcnow", lambda: night)
    user_id = _pk(worker.user_id)
    async with services.database.transaction(services.bus, services.queue) as uow:
        routine = await notify(
            uow,
            user_id=user_id,
            kind=NotificationKind.JOB_PUBLISHED,
            payload={},
            event=DomainEvent("job.published", {}),
        )
        urgent = await notify(
            uow,
            user_id=user_id,
            kind=NotificationKind.ACCOUNT_PASSWORD_CHANGED,
            payload={},
            event=DomainEvent("user.password_changed", {}),
        )
    morning = datetime.combine(day + timedelta(days=1), time(7), tzinfo=TOKYO)
    async with services.database.session() as session:
        rows = (await session.execute(select(NotificationDelivery))).scalars().all()
    deferred = {r.channel: r.deliver_after for r in rows if r.notification_id == routine}
    at_once = {r.channel: r.deliver_after for r in rows if r.notification_id == urgent}
    assert deferred == {"EMAIL": morning}  # held back, not dropped; in-app is there already
    assert at_once == {"EMAIL": None, "PUSH": None}  # account security is never held back
    # The arq job waits in the queue until the quiet hours end.
    queue = services.settings.job_queue_name
    scores = dict(await services.redis.zrange(queue, 0, -1, withscores=True))
    job_id = f"notification-delivery:{next(r.id for r in rows if r.notification_id == routine)}"
    assert scores[job_id.encode()] == pytest.approx(morning.timestamp() * 1000, abs=1)
    assert (await notifications_of(client, worker.token))["unreadCount"] == 2


# --- push devices ---------------------------------------------------------------------------


async def test_push_tokens_are_validated_registered_and_forgotten(client, services):
    aiko = await register(client, "aiko@example.com")
    ben = await register(client, "ben@example.com")
    for bad in ("not-a-token", "ExponentPushToken[]", "ExponentPushToken[abc]", "x" * 300):
        result = data(await gql(client, REGISTER_PUSH, {"input": {"token": bad}}, aiko.token))
        assert result["registerPushToken"]["device"] is None
        assert [e["field"] for e in result["registerPushToken"]["errors"]] == ["token"]
    assert await count_rows(services, PushToken) == 0

    registered = data(
        await gql(
            client,
            REGISTER_PUSH,
            {"input": {"token": EXPO_TOKEN, "platform": "IOS", "deviceName": "Aiko's iPhone"}},
            aiko.token,
        )
    )["registerPushToken"]
    assert registered["errors"] == []
    assert registered["device"]["platform"] == "IOS"
    # the same device signs in as someone else: the token moves
    await gql(client, REGISTER_PUSH, {"input": {"token": EXPO_TOKEN}}, ben.token)
    async with services.database.session() as session:
        owners = (await session.execute(select(PushToken.user_id))).scalars().all()
    assert owners == [_pk(ben.user_id)]
    # someone else's token is left alone, without saying so
    gone = data(await gql(client, UNREGISTER_PUSH, {"input": {"token": EXPO_TOKEN}}, aiko.token))
    assert gone["unregisterPushToken"] == {"ok": True, "errors": []}
    assert await count_rows(services, PushToken) == 1
    data(await gql(client, UNREGISTER_PUSH, {"input": {"token": EXPO_TOKEN}}, ben.token))
    assert await count_rows(services, PushToken) == 0


async def test_a_user_keeps_at_most_ten_devices(client, services):
    aiko = await register(client, "aiko@example.com")
    for index in range(12):
        token = f"ExponentPushToken[device{index:04d}xxxxxxxx]"
        await gql(client, REGISTER_PUSH, {"input": {"token": token}}, aiko.token)
    async with services.database.session() as session:
        tokens = set((await session.execute(select(PushToken.token))).scalars())
    assert len(tokens) == 10
    assert "ExponentPushToken[device0000xxxxxxxx]" not in tokens
    assert "ExponentPushToken[device0011xxxxxxxx]" in tokens
