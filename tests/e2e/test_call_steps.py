"""End to end on the real broker with the provider sandbox: a strategy's call step opens a
call task in the desk's dialler queue, the dialler asks the pre-call gate for it, calls and
reports a promise, the task closes and the promise reaches the scheduler; a dispute made in a
borrower's reply stops every send and call for that debt until a supervisor resolves it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import Item, publish_items, sandbox_mobile
from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.stack import LOCAL_DIALLER_TOKEN, morning_of, run_date
from shared.calendars import load_calendar
from shared.calendars.loader import CALENDARS_DIR
from shared.events import BusinessDayClosed, InstalmentFellOverdue
from shared.testing.factories import contact_details, overdue, random_ref
from tests.e2e.test_calls import _pay_and_close, next_friday
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
DIALLER = {"Authorization": f"Bearer {LOCAL_DIALLER_TOKEN}"}
SUPERVISOR = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['supervisor-1']['token']}"}
AUDITOR = {"Authorization": "Bearer local-auditor-token"}
CN = load_calendar(CALENDARS_DIR / "cn.yaml")
SETTLE_S = 3.0


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir = tmp_path_factory.mktemp("callsteps")
    with provider_stack(broker, workdir, "cs", morning_of(run_date())) as stack:
        yield stack


def overdue_for_a_call() -> InstalmentFellOverdue:
    """An instalment four to six days past due on the run's date (business days rolled): the
    cn strategy's dialler call is the step due, no message."""
    day = run_date()
    for back in range(4, 14):
        dpd = (day - CN.roll_forward(day - timedelta(days=back))).days
        if 4 <= dpd <= 6:
            return overdue(
                occurred_at=datetime.combine(day, time(1, 30), UTC),
                due_date=day - timedelta(days=back),
                days_past_due=dpd,
                amount_due=Decimal("5000.00"),
            )
    raise AssertionError("no due date four to six days back")


async def call(system: ProviderStack, method: str, service: str, path: str, **kw: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, system.url(service, path), **kw) as response,
    ):
        assert response.status < 300, f"{response.status} {await response.text()}"
        return await response.json()


async def timeline(system: ProviderStack, loan_id: str) -> list[dict[str, Any]]:
    body = await call(
        system, "GET", "audit", "/v1/timeline", params={"loan_id": loan_id}, headers=AUDITOR
    )
    return [e for e in body["entries"] if e["kind"] != "dunwell.audit.plaintext-read.v1"]


async def ask(system: ProviderStack, key: str, **who: str) -> dict[str, Any]:
    body = {"idempotency_key": key, "sender": "agency-7", "agent_id": "agent-42", **who}
    answer: dict[str, Any] = await call(
        system, "POST", "notifier", "/v1/calls", json=body, headers=DIALLER
    )
    return answer


def closes(day: date) -> list[Item]:
    at = datetime.combine(day, time(10, 0), UTC)
    return [
        Item(
            "close",
            BusinessDayClosed(event_id=random_ref("close"), occurred_at=at, business_date=day),
            p,
        )
        for p in range(4)
    ]


@pytest.mark.timeout(420)  # the module's first test: the whole system starts within it
async def test_a_call_step_is_asked_made_reported_and_closes_its_task(
    system: ProviderStack,
) -> None:
    due = overdue_for_a_call()
    loan, debtor, number = due.loan_id, str(due.debtor_id), sandbox_mobile(901)
    details = contact_details(debtor, mobile=number, locale="zh-CN")
    await publish_items(system.kafka, [Item("customer", details), Item("loan", due)])

    async def call_task() -> dict[str, Any] | None:
        queue = await call(system, "GET", "desk", "/v1/queues/dialler", headers=SUPERVISOR)
        found = [t for t in queue["tasks"] if t["loan_id"] == loan]
        return found[0] if found else None

    async def queued() -> bool:
        return await call_task() is not None

    async def details_taken() -> bool:  # by the notifier, whose gate reads them
        topic = system.kafka.topics.customer_events
        return await system.stack.consumed("notifier", topic) >= 1

    await eventually(queued, timeout_s=240)
    await eventually(details_taken, timeout_s=60)
    task = await call_task()
    assert task is not None
    assert (task["kind"], task["purpose"], task["step"]) == ("call", "reminder", "early-call")
    who = {"debtor_id": debtor, "debt_id": loan, "number": number, "task_id": task["task_id"]}
    answer = await ask(system, "dial-task-1", **who)
    assert answer["outcome"] == "ALLOW", answer
    friday = next_friday(run_date())
    report = {
        "status": "connected",
        "started_at": datetime.combine(run_date(), time(1, 5), UTC).isoformat(),
        "duration_s": 150,
        "agent_id": "agent-42",
        "summary": "借款人承诺下周五还款5000元",
        "dispositions": [
            {"kind": "promise_to_pay", "amount": 5000, "currency": "CNY", "on": str(friday)}
        ],
    }
    path = f"/v1/calls/{answer['call_id']}/outcome"
    await call(system, "POST", "notifier", path, json=report, headers=DIALLER)
    await call(system, "POST", "notifier", path, json=report, headers=DIALLER)  # a retry

    async def task_done() -> bool:
        shown = await call(
            system, "GET", "desk", f"/v1/tasks/{task['task_id']}", headers=SUPERVISOR
        )
        return bool(shown["status"] == "done")

    await eventually(task_done, timeout_s=90)
    shown = await call(system, "GET", "desk", f"/v1/tasks/{task['task_id']}", headers=SUPERVISOR)
    assert (shown["outcome"], shown["call_id"], shown["assignee"]) == (
        "promise_recorded",
        answer["call_id"],
        "agent-42",
    )
    assert await call_task() is None

    async def promised() -> bool:
        # The promise reached the scheduler: escalation holds (its withdrawal says so).
        return any(e["content"].get("reason") == "held" for e in await timeline(system, loan))

    await eventually(promised, timeout_s=90)
    await _pay_and_close(system, loan, debtor, friday)  # type: ignore[arg-type]

    async def kept() -> bool:
        return any(e["kind"] == "dunwell.promise.resolved.v1" for e in await timeline(system, loan))

    await eventually(kept, timeout_s=90)
    await asyncio.sleep(SETTLE_S)
    entries = await timeline(system, loan)
    [resolved] = [e["content"] for e in entries if e["kind"] == "dunwell.promise.resolved.v1"]
    assert (resolved["outcome"], Decimal(resolved["promised_amount"])) == ("kept", Decimal(5000))
    kinds = [e["kind"] for e in entries]
    assert kinds.count("dunwell.task.call-opened.v1") == 1
    assert kinds.count("dunwell.call.reported.v1") == 1
    made = [e for e in entries if e["content"].get("kind") == "call_made"]
    assert len(made) == 1
    assert not [e for e in entries if e["kind"] == "dunwell.contact.requested.v1"]


@pytest.mark.timeout(480)
async def test_a_disputed_debt_is_held_from_every_send_and_call_until_resolved(
    system: ProviderStack,
) -> None:
    day = run_date()
    due = overdue(
        occurred_at=datetime.combine(day, time(1, 30), UTC),
        due_date=day - timedelta(days=7),
        days_past_due=7,
    )
    loan, debtor, number = due.loan_id, str(due.debtor_id), sandbox_mobile(902)
    details = contact_details(debtor, mobile=number, locale="zh-CN")
    await publish_items(system.kafka, [Item("customer", details), Item("loan", due)])

    async def sent() -> bool:
        # The reminder's first message (on a day the calendar does not know for certain, the
        # holiday policy lets one go): the notifier now knows the loan the borrower answers.
        return any(e["content"].get("kind") == "message_sent" for e in await timeline(system, loan))

    await eventually(sent, timeout_s=120)
    reply = {"provider": "aliyun", "from": number, "text": "我不同意这个还款计划"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{system.providers.url}/_reply", json=reply) as r,
    ):
        assert r.status == 200

    async def registered() -> dict[str, Any] | None:
        body = await call(system, "GET", "desk", "/v1/disputes?status=open", headers=SUPERVISOR)
        found = [d for d in body["disputes"] if d["loan_id"] == loan]
        return found[0] if found else None

    async def disputed() -> bool:
        return await registered() is not None

    await eventually(disputed, timeout_s=90)
    entry = await registered()
    assert entry is not None
    assert (entry["category"], entry["origin"]) == ("dispute", "reply")
    opened_on = date.fromisoformat(entry["opened_on"])
    assert entry["answer_due"] == str(CN.roll_forward(opened_on + timedelta(days=15)))
    who = {"debtor_id": debtor, "debt_id": loan, "number": number}

    async def refused() -> bool:
        answer = await ask(system, random_ref("dial"), **who)
        return answer["outcome"] == "BLOCK" and "CN-DISPUTE-HOLD" in answer["rules"]

    await eventually(refused, timeout_s=60)
    answer = await ask(system, "dial-held", **who)
    assert any(entry["dispute_id"] in reason for reason in answer["reasons"])
    # Days later the strategy's next steps are due, and nothing goes out.
    await publish_items(system.kafka, closes(day + timedelta(days=9)))
    await asyncio.sleep(SETTLE_S * 3)
    held = await timeline(system, loan)
    assert [e["content"]["step"] for e in held if e["kind"] == "dunwell.contact.requested.v1"] == [
        "early-reminder"
    ]
    assert any(e["content"].get("reason") == "held" for e in held)
    body = {"resolution": "rejected", "note": "计划已与借款人确认"}
    path = f"/v1/disputes/{entry['dispute_id']}/resolve"
    done = await call(system, "POST", "desk", path, json=body, headers=SUPERVISOR)
    assert (done["status"], done["resolved_by"]) == ("resolved", "supervisor-1")

    # A later close of business, as core banking sends every day. (The scheduler forwards the
    # desk's command inside a Kafka transaction that faust commits with the next progress on a
    # partition of the same number: a lone command on an idle stack waits for it.)
    await publish_items(system.kafka, closes(day + timedelta(days=10)))

    async def resolved() -> bool:
        kinds = [e["kind"] for e in await timeline(system, loan)]
        return "dunwell.dispute.resolved.v1" in kinds

    await eventually(resolved, timeout_s=150)  # the scheduler released its hold

    async def released() -> bool:
        answer = await ask(system, random_ref("dial"), **who)
        return bool(answer["outcome"] == "ALLOW")

    await eventually(released, timeout_s=60)  # and the gate its own
    await publish_items(system.kafka, closes(day + timedelta(days=11)))

    async def resumed() -> bool:
        steps = [
            e["content"]["step"]
            for e in await timeline(system, loan)
            if e["kind"] == "dunwell.contact.requested.v1"
        ]
        return "early-final" in steps

    await eventually(resumed, timeout_s=90)
    entries = await timeline(system, loan)
    [resolution] = [e["content"] for e in entries if e["kind"] == "dunwell.dispute.resolved.v1"]
    assert (resolution["resolved_by"], resolution["resolution"]) == ("supervisor-1", "rejected")
    assert [e["kind"] for e in entries].count("dunwell.dispute.opened.v1") == 1
    assert number not in str(entries)
