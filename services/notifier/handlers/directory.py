"""Keeping the contact directory current from core banking's contact details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.notifier.domain.model import DirectoryUpdate, directory_entry
from services.notifier.ports import NotifierStore
from shared.events import ContactDetailsChanged


async def record_contact_details(event: ContactDetailsChanged, *, store: NotifierStore) -> None:
    """Keep the directory current (an older event never overwrites a newer one), and let the
    debtor's sends that waited for these details go now."""
    await store.upsert(directory_entry(event), as_of=event.occurred_at)
    await store.release_holds(event.debtor_id)


async def record_contact_details_batch(
    events: Sequence[ContactDetailsChanged], *, store: NotifierStore
) -> None:
    """:func:`record_contact_details` for a batch, in one transaction: the directory (per
    debtor, an older event never overwrites a newer one) and every debtor's holds released."""
    if not events:
        return
    updates = [DirectoryUpdate(directory_entry(e), e.occurred_at) for e in events]
    await store.upsert_many(updates)


@dataclass
class DirectoryBuffer:
    """Group commit of contact details: the consume loop stages a poll's records, then
    flushes them before their offsets are committed."""

    store: NotifierStore
    staged: list[ContactDetailsChanged] = field(default_factory=list)

    def stage(self, event: ContactDetailsChanged) -> None:
        self.staged.append(event)

    async def flush(self) -> None:
        # On failure the staged events are dropped: the consume loop reads their records again.
        batch, self.staged = self.staged, []
        await record_contact_details_batch(batch, store=self.store)
