"""The directory's rule for a batch: per debtor the newest update, the first of equals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.domain.model import DirectoryEntry, DirectoryUpdate, newest_per_debtor

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


def update(debtor: str, email: str, hours: int = 0) -> DirectoryUpdate:
    return DirectoryUpdate(DirectoryEntry(debtor, email=email), NOW + timedelta(hours=hours))


def test_each_debtor_keeps_its_newest_update_in_the_batchs_order() -> None:
    batch = [
        update("d2", "first"),
        update("d1", "old", -1),
        update("d1", "new", 1),
        update("d2", "equal"),
        update("d3", "only"),
        update("d1", "older", -2),
    ]
    kept = newest_per_debtor(batch)
    assert [(u.entry.debtor_id, u.entry.email) for u in kept] == [
        ("d2", "first"),  # of equals, the first stays (a later equal one would not overwrite)
        ("d1", "new"),
        ("d3", "only"),
    ]
    assert newest_per_debtor([]) == []
