"""Keeping the contact directory current from core banking's contact details."""

from __future__ import annotations

from services.notifier.domain.model import directory_entry
from services.notifier.ports import NotifierStore
from shared.events import ContactDetailsChanged


async def record_contact_details(event: ContactDetailsChanged, *, store: NotifierStore) -> None:
    """Keep the directory current (an older event never overwrites a newer one), and let the
    debtor's sends that waited for these details go now."""
    await store.upsert(directory_entry(event), as_of=event.occurred_at)
    await store.release_holds(event.debtor_id)
