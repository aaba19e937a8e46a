"""The event bus: bounded listeners, surviving a Redis restart, and crossing processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from domain.events import DomainEvent
from server import metrics
from server.adapters.event_bus import InMemoryEventBus, RedisEventBus, SlowListener
from tests.factories import create_job, transition_mutation
from tests.graphql_client import gql, register
from tests.live import free_port, graphql_ws

JOB_EVENTS = "subscription($id: ID!) { jobEvents(jobId: $id) { kind job { status } } }"


async def test_a_listener_that_falls_behind_is_cut_off_and_the_others_are_not():
    bus = InMemoryEventBus()
    async with bus.listen(buffer=2) as slow, bus.listen(buffer=10) as fast:
        for n in range(3):
            await bus.publish(DomainEvent("job.updated", {"n": n}))
        with pytest.raises(SlowListener):
            await slow.get()
        assert [(await fast.get()).payload["n"] for _ in range(3)] == [0, 1, 2]


def _redis_server(port: int, directory: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with __import__("socket").socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def test_delivery_resumes_after_redis_restarts(tmp_path):
    port = free_port()
    redis_process = _redis_server(port, tmp_path)
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    bus = RedisEventBus(redis, "test-events", max_backoff=0.2)
    try:
        await bus.start()
        async with bus.listen() as listener:
            await bus.publish(DomainEvent("job.updated", {"n": 1}))
            assert (await asyncio.wait_for(listener.get(), 5)).payload == {"n": 1}

            redis_process.terminate()
            redis_process.wait(5)
            failures = metrics.EVENTS_PUBLISH_FAILURES.labels("job.updated")._value.get()
            await bus.publish(DomainEvent("job.updated", {"n": 2}))  # fails loudly, no crash
            assert (
                metrics.EVENTS_PUBLISH_FAILURES.labels("job.updated")._value.get() == failures + 1
            )

            redis_process = _redis_server(port, tmp_path)
            # Pub/sub keeps nothing for absent listeners: probe until the relay is back.
            resumed = False
            for probe in range(100):
                await bus.publish(DomainEvent("job.updated", {"probe": probe}))
                try:
                    await asyncio.wait_for(listener.get(), 0.2)
                    resumed = True
                    break
                except TimeoutError:
                    continue
            assert resumed and bus.connected.is_set()
            await bus.publish(DomainEvent("job.updated", {"n": 3}))
            event = await asyncio.wait_for(listener.get(), 5)
            while "probe" in event.payload:  # late echoes of the probes
                event = await asyncio.wait_for(listener.get(), 5)
            assert event.payload == {"n": 3}
    finally:
        await bus.stop()
        await redis.aclose()
        redis_process.kill()
        redis_process.wait(5)


def _serve(port: int, settings, tmp_path: Path) -> subprocess.Popen[bytes]:
    return _start(["serve", "--port", str(port)], settings, tmp_path)


def _start(command: list[str], settings, tmp_path: Path) -> subprocess.Popen[bytes]:
    """`iworkz <command>` in its own process, sharing the test's database and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "DATA_DIR": str(tmp_path),
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
    }
    env["DATA_ENCRYPTION_KEYS"] = os.environ.get("DATA_ENCRYPTION_KEYS", "")
    env = {key: value for key, value in env.items() if value != ""}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "iworkz"), *command],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode() if process.stdout else "")
            try:
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not become healthy")


async def test_a_change_made_on_one_process_reaches_a_subscriber_on_another(settings, tmp_path):
    ports = [free_port(), free_port()]
    processes = [_serve(port, settings, tmp_path) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            await _wait_healthy(port, process)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}") as api_a:
            employer = await register(api_a, "hr@two.example", "EMPLOYER", "Two KK")
            job = await create_job(api_a, employer.token)
            async with graphql_ws(f"127.0.0.1:{ports[1]}", employer.token) as on_b:
                assert (await on_b.receive())["type"] == "connection_ack"
                await on_b.subscribe(JOB_EVENTS, {"id": job["id"]})
                await asyncio.sleep(1.0)  # the subscription is registered on B (another process)
                await gql(
                    api_a,
                    transition_mutation("publishJob"),
                    {"input": {"id": job["id"]}},
                    employer.token,
                )
                event = (await on_b.receive())["payload"]["data"]["jobEvents"]
                assert event == {"kind": "PUBLISHED", "job": {"status": "OPEN"}}

                # SIGTERM on B: the subscriber is told, and B exits cleanly.
                os.killpg(processes[1].pid, signal.SIGTERM)
                code, _ = await on_b.closed(timeout=15)
                assert code in (1001, 1012)
        assert processes[1].wait(20) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


async def test_an_event_from_the_worker_process_reaches_subscribers_on_every_api_process(
    settings, tmp_path
):
    """Publishing a job → the arq worker (its own process) notifies the organisation →
    `notification.created` from the worker reaches the employer on both API processes."""
    ports = [free_port(), free_port()]
    processes = [_serve(port, settings, tmp_path) for port in ports]
    worker = _start(["worker"], settings, tmp_path)
    processes.append(worker)
    query = "subscription { notifications { kind title } }"
    try:
        for port, process in zip(ports, processes, strict=False):
            await _wait_healthy(port, process)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}") as api_a:
            employer = await register(api_a, "hr@worker-events.example", "EMPLOYER", "WE KK")
            job = await create_job(api_a, employer.token)
            async with (
                graphql_ws(f"127.0.0.1:{ports[0]}", employer.token) as on_a,
                graphql_ws(f"127.0.0.1:{ports[1]}", employer.token) as on_b,
            ):
                for ws in (on_a, on_b):
                    assert (await ws.receive())["type"] == "connection_ack"
                    await ws.subscribe(query)
                await asyncio.sleep(1.0)  # both subscriptions registered (other processes)
                await gql(
                    api_a,
                    transition_mutation("publishJob"),
                    {"input": {"id": job["id"]}},
                    employer.token,
                )
                for ws in (on_a, on_b):
                    notification = (await ws.receive(timeout=20))["payload"]["data"][
                        "notifications"
                    ]
                    assert notification["kind"] == "JOB_PUBLISHED"
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
