"""A bank on Apache Fineract, end to end on the real broker, from Fineract's own events alone.

Every value on the loan-events topic is written by Apache Avro's Java library the way Fineract
writes it (tests/support/fineract_java.py): clients with their mobile numbers and email
addresses, loans disbursed with their schedules, a repayment falling due, one falling overdue in a
close-of-business bulk message, a repayment that cures, and events Dunwell ignores. Borrowers get
their Chinese messages at the contact points Fineract holds, nothing is dead-lettered, and the
evidence log holds each interaction once.

The gate's clock is 09:00 in Shanghai on a working day of a year the holiday calendar knows
officially (in a provisional year the holiday policy allows one message a day, and this test
needs two per borrower).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import sandbox_mobile
from sandbox.stack import LOCAL_TOKENS, morning_of
from shared.calendars import CALENDARS_DIR, load_calendar
from shared.events import KafkaRecord
from shared.kafka import KafkaEventPublisher
from shared.topics import dead_letter
from tests.polling import eventually
from tests.support import fineract_java as fj
from tests.support import fineract_payloads as fp
from tests.support.kafka import read_topic
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
CALENDAR = load_calendar(CALENDARS_DIR / "cn.yaml")
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}


def working_day(start: date) -> date:
    day = start
    while not (CALENDAR.info(day).business_day and CALENDAR.info(day).certain):
        day += timedelta(days=1)
    return day


#: A Wednesday in 2026 (an official calendar year), early enough in the month that instalment
#: days are never clamped to the 28th.
DAY = working_day(date(2026, 11, 18))
# Client A's first instalment falls due in three days (the courtesy reminder's day); client B's
# fell due yesterday and is one day overdue today.
DUE_A, DUE_B = DAY + timedelta(days=3), DAY - timedelta(days=1)
CLIENT_A, LOAN_A, CLIENT_B, LOAN_B = 9101, 8101, 9102, 8102
INSTALMENT = "2120.00"  # 12,000 over 6 months at 1 % a month, flat: 2,000 + 120


def month_before(day: date) -> date:
    return (
        day.replace(month=day.month - 1)
        if day.month > 1
        else day.replace(year=day.year - 1, month=12)
    )


def local(n: int) -> str:
    """A mainland mobile number as Fineract stores it: as entered, without +86."""
    return sandbox_mobile(n).removeprefix("+86")


@pytest.fixture(scope="module")
def bank(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir = tmp_path_factory.mktemp("fineract")
    with provider_stack(broker, workdir, "fin", morning_of(DAY)) as system:
        yield system


def opening_book() -> list[tuple[int, fj.JavaMessage]]:
    """What Fineract posts before today's business: clients, approvals, disbursals, and some
    events Dunwell has no use for (keyed as Fineract keys them: the aggregate root id)."""
    start_a, start_b = month_before(DUE_A), month_before(DUE_B)
    return [
        (
            CLIENT_A,
            fj.event(
                "ClientCreateBusinessEvent",
                fp.client(CLIENT_A, mobile=local(9101), email="wang.fang@borrower.example"),
                start_a - timedelta(days=5),
            ),
        ),
        (
            CLIENT_B,
            fj.event(
                "ClientActivateBusinessEvent",
                fp.client(
                    CLIENT_B,
                    lastname="李",
                    firstname="强",
                    mobile=local(9102),
                    email="li.qiang@borrower.example",
                ),
                start_b - timedelta(days=5),
            ),
        ),
        (
            LOAN_A,
            fj.event(
                "LoanApprovedBusinessEvent",
                fp.loan_account(
                    LOAN_A, CLIENT_A, disbursed=None, approved=start_a - timedelta(days=2)
                ),
                start_a - timedelta(days=2),
            ),
        ),
        (
            LOAN_A,
            fj.event(
                "LoanDisbursalBusinessEvent",
                fp.loan_account(
                    LOAN_A, CLIENT_A, disbursed=start_a, approved=start_a - timedelta(days=2)
                ),
                start_a,
            ),
        ),
        (
            LOAN_B,
            fj.event(
                "LoanDisbursalBusinessEvent",
                fp.loan_account(
                    LOAN_B, CLIENT_B, disbursed=start_b, approved=start_b - timedelta(days=2)
                ),
                start_b,
            ),
        ),
        (
            7001,
            fj.event(
                "SavingsDepositBusinessEvent",
                fp.savings_deposit(7001, 1, "3000", start_b, "3000"),
                start_b,
            ),
        ),
        (
            LOAN_B,
            fj.event("LoanAddChargeBusinessEvent", fp.loan_charge(LOAN_B, 1, "50", DUE_B), start_b),
        ),
    ]


def todays_book() -> list[tuple[int, fj.JavaMessage]]:
    """Today's close of business: A's repayment falls due in three days; B's instalment is
    overdue, posted with its delinquency range change as one bulk message."""
    overdue = fj.bulk(
        [
            fj.item(
                "LoanRepaymentOverdueBusinessEvent",
                fp.repayment_due(LOAN_B, 1, DUE_B, "2000", "120", past_due=INSTALMENT),
            ),
            fj.item(
                "LoanDelinquencyRangeChangeBusinessEvent",
                fp.delinquency_range(LOAN_B, INSTALMENT, DUE_B),
            ),
        ],
        DAY,
    )
    return [
        (
            LOAN_A,
            fj.event(
                "LoanRepaymentDueBusinessEvent",
                fp.repayment_due(LOAN_A, 1, DUE_A, "2000", "120"),
                DAY,
            ),
        ),
        (LOAN_B, overdue),
    ]


async def publish(bank: ProviderStack, book: list[tuple[int, fj.JavaMessage]]) -> None:
    values = await asyncio.to_thread(fj.encode, [message for _, message in book])
    publisher = KafkaEventPublisher(bank.kafka, service="fineract")
    await publisher.start()
    try:
        for (key, _), value in zip(book, values, strict=True):
            record = KafkaRecord(key=fj.loan_key(key), value=value, headers=())
            await publisher.publish_record(bank.kafka.topics.loan_events, record)
    finally:
        await publisher.aclose()


async def timeline(bank: ProviderStack, **query: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as session,
        session.get(bank.url("audit", "/v1/timeline"), params=query) as response,
    ):
        assert response.status == 200
        body = await response.json()
    entries: list[dict[str, Any]] = body["entries"]
    return [e for e in entries if e["kind"] != "dunwell.audit.plaintext-read.v1"]


async def sent(bank: ProviderStack, debtor: str) -> Counter[tuple[str, str]]:
    """(channel, template) of every message the evidence log says reached ``debtor``."""
    return Counter(
        (e["content"]["channel"], str(e["content"].get("template")).split("@")[0])
        for e in await timeline(bank, debtor_id=debtor)
        if e["content"].get("kind") == "message_sent"
    )


def texts_to(bank: ProviderStack, mobile: str) -> list[str]:
    return [m.text for m in bank.providers.received() if m.to == mobile]


def readable(raw: Any) -> str:
    """An email's subject and plain text, decoded."""
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))
    return f"{message['Subject']}\n{body.get_content() if body is not None else ''}"


def mails_to(bank: ProviderStack, address: str) -> list[Any]:
    return [m for m in bank.inbox.messages() if m["X-RcptTo"] == address]


async def test_fineract_alone_gets_its_borrowers_contacted_and_cured(bank: ProviderStack) -> None:
    await publish(bank, opening_book())
    await eventually(lambda: _taken(bank, 2), timeout_s=120)  # both clients in the directory
    await publish(bank, todays_book())

    async def both_told() -> bool:
        return (
            len(texts_to(bank, sandbox_mobile(9101))) >= 1
            and len(texts_to(bank, sandbox_mobile(9102))) >= 1
            and len(mails_to(bank, "wang.fang@borrower.example")) >= 1
            and len(mails_to(bank, "li.qiang@borrower.example")) >= 1
        )

    await eventually(both_told, timeout_s=120)
    # A: the courtesy reminder before the due date; B: the overdue notice. SMS and email, Chinese.
    [reminder] = texts_to(bank, sandbox_mobile(9101))
    [notice] = texts_to(bank, sandbox_mobile(9102))
    for text in (reminder, notice):
        assert "2,120.00元" in text, text
    assert f"{DUE_A.month}月{DUE_A.day}日" in reminder
    assert "逾期" in notice
    [mail_a] = mails_to(bank, "wang.fang@borrower.example")
    [mail_b] = mails_to(bank, "li.qiang@borrower.example")
    assert "2,120.00元" in readable(mail_a)
    assert "逾期" in readable(mail_b)

    # B pays the instalment: the episode ends.
    paid = fp.repayment_made(LOAN_B, 501, INSTALMENT, DAY, "10000.00")
    await publish(
        bank, [(LOAN_B, fj.event("LoanTransactionMakeRepaymentPostBusinessEvent", paid, DAY))]
    )

    async def cured() -> bool:
        return any(
            "to_range" in e["content"] and e["content"]["to_range"] is None
            for e in await timeline(bank, loan_id=str(LOAN_B))
        )

    await eventually(cured, timeout_s=60)
    assert await sent(bank, str(CLIENT_A)) == Counter(
        {("sms", "pre-due-reminder-v1"): 1, ("email", "pre-due-reminder-v1"): 1}
    )
    assert await sent(bank, str(CLIENT_B)) == Counter(
        {("sms", "overdue-notice-v1"): 1, ("email", "overdue-notice-v1"): 1}
    )
    for debtor in (str(CLIENT_A), str(CLIENT_B)):
        ids = [e["event_id"] for e in await timeline(bank, debtor_id=debtor)]
        assert len(ids) == len(set(ids)), "an interaction was recorded twice"
    # Nothing valid was dead-lettered: not by the scheduler, not by the notifier's directory.
    for topic in (bank.kafka.topics.loan_events, bank.kafka.topics.customer_events):
        assert await read_topic(bank.kafka, dead_letter(topic)) == []
    ignored = await bank.stack.counted("scheduler", "scheduler_fineract_events", outcome="ignored")
    assert ignored >= 4  # approval, savings deposit, charge, delinquency range change


async def _taken(bank: ProviderStack, clients: int) -> bool:
    topic = bank.kafka.topics.customer_events
    return bool(await bank.stack.consumed("notifier", topic) >= clients)
