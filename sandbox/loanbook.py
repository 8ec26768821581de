"""A simulated loan book: realistic borrowers over simulated business days.

Kinds of borrower: on-time payers, late payers who cure, chronic arrears, large debts (field
visits), and borrowers granted an extension (a delinquency pause). Every id derives from the
run name, so a rerun with the same name republishes the same events and changes nothing.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from shared.events import (
    BusinessDayClosed,
    ContactDetailsChanged,
    DelinquencyPaused,
    Event,
    InstalmentFellOverdue,
    LoanOpened,
    RepaymentPosted,
    ScheduledInstalment,
    derived_event_id,
    encode,
)
from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings

SOURCE = "/corebanking/simulator"
Kind = Literal["customer", "loan", "close"]
Behaviour = Literal["on_time", "late_then_cure", "chronic", "large_debt", "extension"]
BEHAVIOURS: tuple[tuple[Behaviour, int], ...] = (
    ("on_time", 50),
    ("late_then_cure", 20),
    ("chronic", 15),
    ("large_debt", 5),
    ("extension", 10),
)

#: Where the sandbox's borrowers are served: every region the example branch list covers.
SANDBOX_REGIONS = ("310115", "310101", "110105")


def sandbox_mobile(n: int) -> str:
    """A mainland mobile number for borrower ``n`` (the sandbox's providers accept it)."""
    return f"+86138{n % 10**8:08d}"


def sandbox_openid(run: str, n: int) -> str:
    """An openid-shaped id under the bank's official account for borrower ``n``."""
    return "o" + hashlib.sha256(f"{run}:{n}".encode()).hexdigest()[:27]


@dataclass(frozen=True)
class Item:
    """One thing to publish: to core banking's customer or loan topic, or a close of business
    to one partition of the loan topic."""

    kind: Kind
    event: Event
    partition: int | None = None


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _monthly(start: date, months: int) -> list[date]:
    return [
        date(
            start.year + (start.month - 1 + n) // 12,
            (start.month - 1 + n) % 12 + 1,
            min(start.day, 28),
        )
        for n in range(months)
    ]


def book_locale(n: int) -> Literal["zh-CN", "en"]:
    """China by default: four borrowers in five read Chinese, the fifth English."""
    return "en" if n % 5 == 4 else "zh-CN"


@dataclass(frozen=True)
class Borrower:
    n: int
    behaviour: Behaviour
    run: str
    first_due: date
    instalment: Decimal

    @property
    def loan(self) -> str:
        return f"{self.run}-L{self.n:06d}"

    @property
    def debtor(self) -> str:
        return f"{self.run}-D{self.n:06d}"

    def opening(self, day: date) -> list[Item]:
        principal = (self.instalment * Decimal("0.95")).quantize(Decimal("0.01"))
        schedule = tuple(
            ScheduledInstalment(
                number=k + 1,
                due_date=due,
                principal=principal,
                interest=self.instalment - principal,
            )
            for k, due in enumerate(_monthly(self.first_due, 6))
        )
        contact = ContactDetailsChanged(
            event_id=derived_event_id(self.run, "contact", self.debtor),
            occurred_at=_moment(day, 1),
            debtor_id=self.debtor,
            email=f"borrower{self.n}@{self.run}.example",
            mobile=sandbox_mobile(self.n),
            wechat_openid=sandbox_openid(self.run, self.n),
            locale=book_locale(self.n),
        )
        opened = LoanOpened(
            event_id=derived_event_id(self.run, "opened", self.loan),
            occurred_at=_moment(day, 1),
            loan_id=self.loan,
            debtor_id=self.debtor,
            account_number=f"62220200{self.n:08d}",
            product="personal-loan",
            currency="CNY",
            principal=principal * 6,
            schedule=schedule,
            # The regions of the example branch list (services/scheduler/config/branches.yaml).
            region=SANDBOX_REGIONS[self.n % len(SANDBOX_REGIONS)],
        )
        return [Item("customer", contact), Item("loan", opened)]

    def payments(self, day: date) -> list[Item]:
        """What this borrower pays (or is granted) on ``day``."""
        dues = _monthly(self.first_due, 6)
        delay = {"on_time": 0, "late_then_cure": 12, "extension": 20}.get(self.behaviour)
        items: list[Item] = []
        if self.behaviour == "extension" and day == dues[0] + timedelta(days=5):
            items.append(
                Item(
                    "loan",
                    DelinquencyPaused(
                        event_id=derived_event_id(self.run, "pause", self.loan),
                        occurred_at=_moment(day, 3),
                        loan_id=self.loan,
                        debtor_id=self.debtor,
                        start=day,
                        end=day + timedelta(days=14),
                    ),
                )
            )
        if delay is not None and any(day == due + timedelta(days=delay) for due in dues):
            items.append(
                Item(
                    "loan",
                    RepaymentPosted(
                        event_id=derived_event_id(self.run, "pay", self.loan, day.isoformat()),
                        occurred_at=_moment(day, 4),
                        loan_id=self.loan,
                        debtor_id=self.debtor,
                        amount=self.instalment,
                        value_date=day,
                    ),
                )
            )
        return items


def borrowers(loans: int, *, seed: int, run: str, start: date) -> list[Borrower]:
    rng = random.Random(seed)  # noqa: S311 - simulation data, not security
    kinds = [b for b, weight in BEHAVIOURS for _ in range(weight)]
    found = []
    for n in range(loans):
        behaviour = kinds[rng.randrange(len(kinds))]
        amount = (
            Decimal(rng.randrange(800, 5000))
            if behaviour != "large_debt"
            else (Decimal(rng.randrange(30_000, 60_000)))
        )
        first_due = start + timedelta(days=rng.randrange(1, 28))
        found.append(Borrower(n, behaviour, run, first_due, amount))
    return found


def simulated_book(
    loans: int,
    *,
    days: int = 60,
    seed: int = 7,
    run: str = "demo",
    start: date | None = None,
    partitions: int = 4,
) -> Iterator[Item]:
    """The book's events in business-date order, a close of business after each day."""
    start = start or datetime.now(UTC).date() - timedelta(days=days)
    book = borrowers(loans, seed=seed, run=run, start=start)
    for borrower in book:
        yield from borrower.opening(start)
    for offset in range(days + 1):
        day = start + timedelta(days=offset)
        for borrower in book:
            yield from borrower.payments(day)
        for partition in range(partitions):
            yield Item(
                "close",
                BusinessDayClosed(
                    event_id=derived_event_id(run, "close", day.isoformat(), str(partition)),
                    occurred_at=_moment(day, 12),
                    business_date=day,
                ),
                partition,
            )


def demo_book(
    loans: int, *, seed: int = 7, run: str = "demo", today: date | None = None
) -> Iterator[tuple[str, Event]]:
    """A minimal book for smoke runs: each debtor's contact details and one overdue instalment."""
    rng = random.Random(seed)  # noqa: S311 - simulation data, not security
    today = today or datetime.now(UTC).date()
    now = datetime.now(UTC)
    for n in range(loans):
        debtor, loan = f"{run}-D{n:06d}", f"{run}-L{n:06d}"
        yield (
            "customer",
            ContactDetailsChanged(
                event_id=derived_event_id(run, "contact", debtor),
                occurred_at=now,
                debtor_id=debtor,
                email=f"borrower{n}@{run}.example",
                mobile=sandbox_mobile(n),
                wechat_openid=sandbox_openid(run, n),
                locale=book_locale(n),
            ),
        )
        dpd = rng.choice([1, 3, 7, 15, 31, 61])
        yield (
            "loan",
            InstalmentFellOverdue(
                event_id=derived_event_id(run, "overdue", loan, "1"),
                occurred_at=now,
                loan_id=loan,
                debtor_id=debtor,
                account_number=f"62220200{n:08d}",
                product="personal-loan",
                instalment_number=1,
                due_date=today - timedelta(days=dpd),
                amount_due=Decimal(rng.randrange(50_00, 5_000_00)) / 100,
                currency="CNY",
                days_past_due=dpd,
            ),
        )


async def publish_items(kafka: KafkaSettings, items: Iterable[Item]) -> int:
    """Publish a simulated book as core banking would."""
    publisher = KafkaEventPublisher(kafka, service="simulator")
    await publisher.start()
    count = 0
    try:
        for item in items:
            topic = (
                kafka.topics.customer_events
                if item.kind == "customer"
                else (kafka.topics.loan_events)
            )
            await publisher.publish_record(
                topic, encode(item.event, source=SOURCE), partition=item.partition
            )
            count += 1
    finally:
        await publisher.aclose()
    return count


async def publish_book(kafka: KafkaSettings, book: Iterable[tuple[str, Event]]) -> int:
    """Publish ``(kind, event)`` pairs (see :func:`demo_book`)."""
    return await publish_items(
        kafka, (Item("customer" if kind == "customer" else "loan", event) for kind, event in book)
    )
