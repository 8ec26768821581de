"""The four services as containers of the image, as Kubernetes runs them, on the host's
network with the local broker, PostgreSQL, an SMTP server and the provider sandbox.

Each container runs as uid 10001 with a read-only root filesystem, every capability dropped
and no privilege escalation; one overdue event (delivered twice) gives an SMS or an email (or
both), each at most once and each recorded in the audit log; SIGTERM stops every container
cleanly within its grace period.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy

from sandbox.containers import container_name
from sandbox.loanbook import publish_book, sandbox_mobile
from sandbox.stack import LOCAL_TOKENS, SERVICES, morning_of, run_date
from shared.testing.factories import contact_details, overdue
from tests.image.conftest import Image, podman
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = [pytest.mark.image, pytest.mark.broker, pytest.mark.postgres, pytest.mark.timeout(900)]
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
#: The manifests' terminationGracePeriodSeconds.
GRACE_S = 30


def _database(server: str, name: str) -> str:
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
def containers(
    image: Image, broker: str, postgres: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderStack]:
    workdir: Path = tmp_path_factory.mktemp("containers")
    env = {
        service: {
            f"DUNWELL_{service.upper()}_DATABASE_URL": _database(postgres, f"image_{service}")
        }
        for service in ("audit", "notifier", "desk")
    }
    with provider_stack(
        broker,
        workdir,
        "img",
        morning_of(run_date()),
        image=None if __import__("os").environ.get("NOIMG") else image.tag,
        env=env,
    ) as system:
        yield system
        started = time.monotonic()
    # provider_stack has checked that every container exited 0 on SIGTERM; here, how fast.
    assert time.monotonic() - started < GRACE_S * len(SERVICES)


def inspect(system: ProviderStack, service: str) -> dict[str, Any]:
    result = podman("container", "inspect", container_name(system.kafka.topic_namespace, service))
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)[0]
    return document


async def timeline(system: ProviderStack, loan_id: str) -> list[dict[str, Any]]:
    url = system.url("audit", "/v1/timeline")
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as session,
        session.get(url, params={"loan_id": loan_id}) as response,
    ):
        entries: list[dict[str, Any]] = (await response.json())["entries"]
    return entries


@pytest.mark.parametrize("service", SERVICES)
def test_each_container_runs_as_the_manifests_ask(containers: ProviderStack, service: str) -> None:
    document = inspect(containers, service)
    assert document["State"]["Running"] is True
    assert document["Config"]["User"] == "10001:10001"
    assert document["HostConfig"]["ReadonlyRootfs"] is True
    assert document["EffectiveCaps"] in (None, [])
    assert "no-new-privileges" in document["HostConfig"]["SecurityOpt"]
    name = container_name(containers.kafka.topic_namespace, service)
    uid = podman("exec", name, "python", "-c", "import os; print(os.getuid(), os.getgid())")
    assert uid.stdout.split() == ["10001", "10001"]


async def test_one_overdue_event_gives_one_sms_one_email_and_their_audit_entries(
    containers: ProviderStack,
) -> None:
    day = run_date()
    event = overdue(
        occurred_at=datetime.combine(day, clock(1, 30), UTC),
        due_date=day - timedelta(days=7),
        days_past_due=7,
    )
    details = contact_details(event.debtor_id, mobile=sandbox_mobile(4242), locale="zh-CN")
    # Core banking redelivers the overdue event: still one message per channel.
    await publish_book(containers.kafka, [("customer", details), ("loan", event), ("loan", event)])

    def sms() -> list[Any]:
        return [
            m for m in containers.providers.received() if m.to.endswith(str(details.mobile)[-11:])
        ]

    def emails() -> list[Any]:
        return [m for m in containers.inbox.messages() if m["X-RcptTo"] == str(details.email)]

    async def sent() -> list[str]:
        """The channels the audit log records a message sent on."""
        entries = await timeline(containers, event.loan_id)
        return sorted(
            e["content"]["channel"]
            for e in entries
            if e["kind"] == "dunwell.interaction.recorded.v1"
            and e["content"]["kind"] == "message_sent"
        )

    async def delivered() -> bool:
        return bool(sms() or emails()) and bool(await sent())

    try:
        await eventually(delivered, timeout_s=120)
    except TimeoutError:
        kinds = [e["kind"] for e in await timeline(containers, event.loan_id)]
        pytest.fail(f"sms {len(sms())}, emails {len(emails())}, audit {kinds}")
    await asyncio.sleep(3)  # watch for duplicates
    # Each channel at most once; what arrived is what the audit log says was sent. (On a day
    # the calendar knows only provisionally, the gate lets one message a day through.)
    arrived = ["email"] * len(emails()) + ["sms"] * len(sms())
    assert sorted(arrived) == await sent()
    assert len(set(arrived)) == len(arrived)
