"""A simulated loan book: customers with contact details and instalments falling overdue."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.events import (
    ContactDetailsChanged,
    Event,
    InstalmentFellOverdue,
    derived_event_id,
    encode,
)
from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings

SOURCE = "/corebanking/simulator"


def demo_book(
    loans: int, *, seed: int = 7, run: str = "demo", today: date | None = None
) -> Iterator[tuple[str, Event]]:
    """Events of a small book: each debtor's contact details, then an overdue instalment.

    Yields ``("customer" | "loan", event)`` pairs; ids derive from ``run`` so a rerun with the
    same run name republishes the same events (and changes nothing downstream).

    :param loans: how many loans (one debtor each).
    :param seed: random seed for amounts and days past due.
    :param run: a name that keeps this book's ids apart from other runs.
    :param today: the simulated business date.
    """
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
                locale="en",
                timezone="Asia/Shanghai",
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


async def publish_book(kafka: KafkaSettings, book: Iterable[tuple[str, Event]]) -> int:
    """Publish a book's events to core banking's topics, as core banking would.

    :param kafka: where to publish.
    :param book: ``(kind, event)`` pairs from :func:`demo_book`.
    :returns: how many events were published.
    """
    publisher = KafkaEventPublisher(kafka, service="simulator")
    await publisher.start()
    count = 0
    try:
        for kind, event in book:
            topic = kafka.topics.customer_events if kind == "customer" else kafka.topics.loan_events
            await publisher.publish_record(topic, encode(event, source=SOURCE))
            count += 1
    finally:
        await publisher.aclose()
    return count
