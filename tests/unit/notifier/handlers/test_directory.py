"""Keeping the directory current."""

from __future__ import annotations

from services.notifier.handlers.directory import record_contact_details
from shared.testing.factories import contact_details
from tests.unit.notifier.handlers.support import Fixture


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
