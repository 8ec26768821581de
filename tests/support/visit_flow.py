"""A field visit driven on the real broker, every service running: a loan late enough for the
strategy's visit step, the desk's view of its visits, and the repayment that cures it (the
borrower's SMS reply is ``ProviderStack.reply``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Final

import aiohttp

from sandbox.loanbook import Item, publish_items, sandbox_mobile
from sandbox.people import LOCAL_DESK_TOKENS
from shared.events import RepaymentPosted
from shared.testing.factories import contact_details, random_ref
from tests.support.days import closes
from tests.support.stack import ProviderStack
from tests.support.visit_loan import large_loan

#: A Monday the calendar knows officially; the notifier's clock starts at 09:00 on it.
CLOCK_DAY: Final = date(2026, 11, 30)
#: The large loan's first instalment: 81 days late on ``CLOCK_DAY``, late enough for a visit.
FIRST_DUE: Final = date(2026, 9, 10)
SUPERVISOR: Final = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['supervisor-1']['token']}"}


async def visits(system: ProviderStack, loan: str) -> list[dict[str, Any]]:
    """The loan's visits as the desk's API lists them (none while it does not know the loan)."""
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


async def late_loan(system: ProviderStack, loan: str, debtor: str, n: int) -> None:
    """The borrower (reachable by SMS at the sandbox's number ``n``, in Chinese), the loan,
    and the day's close (on every partition: the scheduler sweeps a close's own partition)
    that finds it late enough for a visit."""
    details = contact_details(debtor, mobile=sandbox_mobile(n), locale="zh-CN", email=None)
    await publish_items(system.kafka, [Item("customer", details)])
    await publish_items(
        system.kafka,
        [Item("loan", large_loan(FIRST_DUE, loan_id=loan, debtor_id=debtor)), *closes(CLOCK_DAY)],
    )


async def cure(system: ProviderStack, loan: str, debtor: str) -> None:
    """Everything owed is paid on ``CLOCK_DAY``."""
    paid = RepaymentPosted(
        event_id=random_ref("pay"),
        occurred_at=datetime.combine(CLOCK_DAY, time(6, 0), UTC),
        loan_id=loan,
        debtor_id=debtor,
        amount=Decimal(122400),
        value_date=CLOCK_DAY,
    )
    await publish_items(system.kafka, [Item("loan", paid)])


def texts_to(system: ProviderStack, n: int) -> list[str]:
    """The SMS texts the sandbox's number ``n`` received."""
    return [m.text for m in system.providers.received() if m.to == sandbox_mobile(n)]
