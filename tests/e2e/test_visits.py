"""A field visit on the real broker, every service running: proposed by the scheduler, its
notice delivered in Chinese by SMS (the provider's receipt confirms it at the desk), moved by
the borrower's Chinese reply, and cancelled by a cure; the desk's API shows each step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import Item, publish_items, sandbox_mobile
from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.stack import morning_of
from shared.events import BusinessDayClosed, LoanOpened, RepaymentPosted, ScheduledInstalment
from shared.testing.factories import contact_details, random_ref
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
#: A Monday the calendar knows officially; the notifier's clock starts at 09:00 on it.
CLOCK_DAY = date(2026, 11, 30)
SUPERVISOR = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['supervisor-1']['token']}"}


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir: Path = tmp_path_factory.mktemp("visits")
    with provider_stack(broker, workdir, "vis", morning_of(CLOCK_DAY)) as stack:
        yield stack


async def visits(system: ProviderStack, loan: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession(headers=SUPERVISOR) as session,
        session.get(system.url("desk", f"/v1/cases/{loan}/visits")) as response,
    ):
        if response.status != 200:
            return []
        body = await response.json()
    found: list[dict[str, Any]] = body["visits"]
    return found


def states(found: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(v["sequence"], v["state"]) for v in found]


def large_loan(loan: str, debtor: str) -> LoanOpened:
    """Three instalments of 40,800 due from September: 81 days late on ``CLOCK_DAY``."""
    return LoanOpened(
        event_id=random_ref("open"),
        occurred_at=datetime(2026, 8, 10, 2, tzinfo=UTC),
        loan_id=loan,
        debtor_id=debtor,
        account_number="6222020099990001",
        product="personal-loan",
        currency="CNY",
        principal=Decimal(120000),
        schedule=tuple(
            ScheduledInstalment(
                number=n + 1,
                due_date=date(2026, 9 + n, 10),
                principal=Decimal(40000),
                interest=Decimal(800),
            )
            for n in range(3)
        ),
        region="310115",
    )


@pytest.mark.timeout(420)  # the whole system starts within it
async def test_a_visit_proposed_delivered_in_chinese_moved_by_a_reply_and_cancelled_by_a_cure(
    system: ProviderStack,
) -> None:
    run, n = system.kafka.topic_namespace, 917
    loan, debtor = f"{run}-L1", f"{run}-D1"
    details = contact_details(debtor, mobile=sandbox_mobile(n), locale="zh-CN", email=None)
    close = BusinessDayClosed(
        event_id=random_ref("cob"),
        occurred_at=datetime.combine(CLOCK_DAY, time(10, 0), UTC),
        business_date=CLOCK_DAY,
    )
    await publish_items(system.kafka, [Item("customer", details)])
    await publish_items(
        system.kafka, [Item("loan", large_loan(loan, debtor)), Item("close", close)]
    )

    async def confirmed() -> bool:
        return states(await visits(system, loan)) == [(1, "confirmed")]

    await eventually(confirmed, timeout_s=180)
    [first] = await visits(system, loan)
    texts = [m.text for m in system.providers.received() if m.to == sandbox_mobile(n)]
    [notice] = [t for t in texts if "面谈" in t]
    assert "示例银行上海浦东支行" in notice
    assert "09:30-10:30" in notice
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{system.providers.url}/_reply",
            json={
                "provider": "aliyun",
                "from": sandbox_mobile(n),
                "text": "那天不在家，能改天来吗",
            },
        ) as response,
    ):
        assert response.status == 200

    async def moved() -> bool:
        return states(await visits(system, loan)) == [(1, "cancelled"), (2, "proposed")]

    await eventually(moved, timeout_s=120)
    old, new = await visits(system, loan)
    assert old["cancel_reason"] == "rescheduled"
    assert new["replaces"] == first["visit_id"]
    assert new["slot"]["starts_at"] > first["slot"]["starts_at"]
    cure = RepaymentPosted(
        event_id=random_ref("pay"),
        occurred_at=datetime.combine(CLOCK_DAY, time(6, 0), UTC),
        loan_id=loan,
        debtor_id=debtor,
        amount=Decimal(122400),
        value_date=CLOCK_DAY,
    )
    await publish_items(system.kafka, [Item("loan", cure)])

    async def called_off() -> bool:
        return states(await visits(system, loan)) == [(1, "cancelled"), (2, "cancelled")]

    await eventually(called_off, timeout_s=120)
    _, last = await visits(system, loan)
    assert last["cancel_reason"] == "cured"
    assert last["cancel_notice_id"] is not None
