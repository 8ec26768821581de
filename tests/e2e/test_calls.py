"""End to end on the real broker: a dialler asks the pre-call gate, calls, and reports; the caps,
the scheduler and the evidence log all hear of it, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from sandbox.loanbook import Item, publish_items
from sandbox.stack import LOCAL_DIALLER_TOKEN, run_date
from shared.events import BusinessDayClosed, RepaymentPosted
from shared.testing.factories import contact_details, random_ref
from tests.e2e.conftest import System
from tests.e2e.test_walking_skeleton import audit_entries, recent_overdue
from tests.polling import eventually

pytestmark = pytest.mark.broker
DIALLER = {"Authorization": f"Bearer {LOCAL_DIALLER_TOKEN}"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTLE_S = 3.0


def next_friday(day: date) -> date:
    """下周五: the Friday of the week after ``day``'s."""
    return day + timedelta(days=7 + 4 - day.weekday())


class Dialler:
    """A dialler on the notifier's call API."""

    def __init__(self, system: System, session: aiohttp.ClientSession, **who: str) -> None:
        self.system, self.session, self.who = system, session, who
        self.dials = 0

    async def ask(self) -> dict[str, Any]:
        self.dials += 1
        body = {**self.who, "idempotency_key": f"dial-{self.dials}", "sender": "agency-7"}
        async with self.session.post(
            self.system.url("notifier", "/v1/calls"), json=body, headers=DIALLER
        ) as response:
            assert response.status == 201, await response.text()
            answer: dict[str, Any] = await response.json()
            return answer

    async def report(self, call_id: str, **report: Any) -> int:
        body = {
            "status": "connected",
            # A minute per dial after 09:00 in Shanghai, when the gate's clock starts.
            "started_at": datetime.combine(run_date(), time(1, self.dials), UTC).isoformat(),
            "duration_s": 120,
            "agent_id": self.who["agent_id"],
            **report,
        }
        url = self.system.url("notifier", f"/v1/calls/{call_id}/outcome")
        async with self.session.post(url, json=body, headers=DIALLER) as response:
            assert response.status in (200, 201), await response.text()
            return response.status


async def test_a_call_with_a_promise_under_the_gate_the_scheduler_and_the_audit_log(
    system: System,
) -> None:
    overdue = recent_overdue().model_copy(update={"amount_due": Decimal("5000.00")})
    debtor = overdue.debtor_id
    assert debtor is not None
    number = "+8613800000001"
    details = contact_details(debtor, mobile=number, locale="zh-CN")
    customers = system.kafka.topics.customer_events
    known_before = await system.stack.consumed("notifier", customers)
    await publish_items(system.kafka, [Item("customer", details), Item("loan", overdue)])

    async def tracked() -> bool:
        entries = await audit_entries(system, loan_id=overdue.loan_id)
        return any(e["kind"] == "dunwell.contact.requested.v1" for e in entries)

    async def details_taken() -> bool:
        # By the notifier's directory, which the gate reads: until then a dial is deferred
        # (CALL-DIRECTORY), however far the scheduler's side has gone.
        return await system.stack.consumed("notifier", customers) > known_before

    await eventually(tracked, timeout_s=90)
    await eventually(details_taken, timeout_s=60)
    friday = next_friday(run_date())
    promise = {"kind": "promise_to_pay", "amount": 5000, "currency": "CNY", "on": str(friday)}
    async with aiohttp.ClientSession() as session:
        dialler = Dialler(
            system,
            session,
            debtor_id=debtor,
            debt_id=overdue.loan_id,
            number=number,
            agent_id="agent-42",
        )
        first = await dialler.ask()
        assert first["outcome"] == "ALLOW", first
        assert first["reservation"]["id"] == first["call_id"]
        summary = "借款人承诺下周五还款5000元"
        report = {"dispositions": [promise], "summary": summary}
        assert await dialler.report(first["call_id"], **report) == 201
        assert await dialler.report(first["call_id"], **report) == 200  # a retry: taken once
        for _ in range(2):
            answer = await dialler.ask()
            assert answer["outcome"] == "ALLOW"
            await dialler.report(answer["call_id"], summary="再次提醒")
        fourth = await dialler.ask()
    # The fourth connected call of the day waits for the next morning, 08:00 in Shanghai.
    assert fourth["outcome"] == "DEFER"
    assert "CN-FREQ-1" in fourth["rules"]
    until = datetime.fromisoformat(fourth["until"]).astimezone(SHANGHAI)
    assert until.time() == time(8, 0)
    assert until.date() == run_date() + timedelta(days=1)
    assert fourth["reservation"] is None

    async def held() -> bool:
        entries = await audit_entries(system, loan_id=overdue.loan_id)
        return any(e["content"].get("reason") == "held" for e in entries)

    await eventually(held, timeout_s=60)  # the promise reached the scheduler: escalation holds
    await _pay_and_close(system, overdue.loan_id, debtor, friday)

    async def kept() -> bool:
        entries = await audit_entries(system, loan_id=overdue.loan_id)
        return any(e["kind"] == "dunwell.promise.resolved.v1" for e in entries)

    await eventually(kept, timeout_s=60)
    await asyncio.sleep(SETTLE_S)
    entries = await audit_entries(system, loan_id=overdue.loan_id)
    [resolved] = [e["content"] for e in entries if e["kind"] == "dunwell.promise.resolved.v1"]
    assert (resolved["outcome"], Decimal(resolved["promised_amount"])) == ("kept", Decimal(5000))
    assert resolved["promised_by"] == str(friday)
    calls = [
        e["content"]
        for e in entries
        if e["kind"] == "dunwell.interaction.recorded.v1" and e["content"]["kind"] == "call_made"
    ]
    # Three calls, each in the log once (the repeated report of the first changed nothing).
    assert len(calls) == 3
    assert len({c["request_id"] for c in calls}) == 3
    [promised] = [c for c in calls if c["request_id"] == first["call_id"]]
    assert promised["channel"] == "voice"
    assert "promise_to_pay 5,000.00 CNY" in promised["reason"]
    assert all(number not in str(c) for c in calls)
    [refused] = [
        e["content"]
        for e in entries
        if e["kind"] == "dunwell.interaction.recorded.v1" and e["content"]["kind"] == "call_refused"
    ]
    assert (refused["request_id"], refused["rules"]) == (fourth["call_id"], fourth["rules"])


async def _pay_and_close(system: System, loan_id: str, debtor_id: str, friday: date) -> None:
    """Core banking posts the 5,000元 before Friday; a close of business the day after it."""
    paid_on = run_date()
    after = friday + timedelta(days=1)
    payment = RepaymentPosted(
        event_id=random_ref("pay"),
        occurred_at=datetime.combine(paid_on, time(4, 0), UTC),
        loan_id=loan_id,
        debtor_id=debtor_id,
        amount=Decimal("5000.00"),
        value_date=paid_on,
    )
    closes = [
        Item(
            "close",
            BusinessDayClosed(
                event_id=random_ref("close"),
                occurred_at=datetime.combine(after, time(10, 0), UTC),
                business_date=after,
            ),
            partition,
        )
        for partition in range(4)
    ]
    await publish_items(system.kafka, [Item("loan", payment), *closes])
