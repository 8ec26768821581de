"""Keeping the directory current."""

from __future__ import annotations

from datetime import timedelta

from services.notifier.domain.model import HOLD_CONTACT_POINT, GateTicket
from services.notifier.handlers.directory import (
    DirectoryBuffer,
    record_contact_details,
    record_contact_details_batch,
)
from shared.testing.factories import contact_details
from tests.unit.notifier.handlers.support import WEDNESDAY_NOON as NOW
from tests.unit.notifier.handlers.support import Fixture


def ticket(debtor: str) -> GateTicket:
    return GateTicket(f"{debtor}|sms", debtor, "loan-1", "sms", "cp-1", NOW, b"{}")


class TestDirectory:
    async def test_an_older_event_never_overwrites_a_newer_one(self, f: Fixture) -> None:
        newer = contact_details("d1", email="new@borrower.example")
        older = contact_details(
            "d1", email="old@borrower.example", occurred_at=newer.occurred_at.replace(year=2025)
        )
        await record_contact_details(newer, store=f.store)
        await record_contact_details(older, store=f.store)
        found = await f.store.get("d1")
        assert found is not None
        assert found.email == "new@borrower.example"

    async def test_a_batch_keeps_each_debtors_newest_details_and_releases_their_holds(
        self, f: Fixture
    ) -> None:
        newer = contact_details("d1", email="new@borrower.example")
        older = contact_details(
            "d1", email="old@borrower.example", occurred_at=newer.occurred_at - timedelta(days=1)
        )
        other = contact_details("d2", email="d2@borrower.example")
        for debtor in ("d1", "d2", "d3"):
            await f.store.hold(
                ticket(debtor),
                until=newer.occurred_at + timedelta(hours=1),
                reason=HOLD_CONTACT_POINT,
            )
        await record_contact_details_batch([newer, other, older], store=f.store)
        assert [(await f.store.get(d)) is not None for d in ("d1", "d2", "d3")] == [
            True,
            True,
            False,
        ]
        found = await f.store.get("d1")
        assert found is not None
        assert found.email == "new@borrower.example"
        due = await f.store.due_deferrals(newer.occurred_at, 10)  # before the holds end
        assert sorted(d.key for d in due) == ["d1|sms", "d2|sms"]

    async def test_the_buffer_writes_what_was_staged_once_and_forgets_it(self, f: Fixture) -> None:
        directory = DirectoryBuffer(f.store)
        directory.stage(contact_details("d1"))
        await directory.flush()
        assert await f.store.get("d1") is not None
        assert directory.staged == []
        await directory.flush()  # an empty flush does nothing
