"""Kept receipts that no settled send takes: handed to the evidence log after the expiry.

A receipt kept because it overtook its send (:mod:`.receipts`) is taken once a settled send
carries one of its ids. One whose send the ledger never learns by that id (the provider's
answer lost and the send settled by a person, a provider's id the notifier never saw, a
receipt of a message another system sent) would otherwise wait forever. After the expiry
(``EARLY_RECEIPT_EXPIRY_H``) it is dead-lettered on the interactions' dead-letter topic with
its reason, ``receipt_unmatched`` (the audit records every dead letter: why, where from, the
hash of its bytes; the bytes, the receipt as JSON, stay in the topic), counted, and only then
forgotten (remembered as seen, in one commit). A crash between the two publishes it again as
the same entry (its source offset derived from the receipt's key): never dropped, never two
entries. Nothing is sent again; the receipt's send, if any, is what the uncertain queue and
the reconciler are for.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import timedelta
from typing import Final

from services.notifier.domain.inbound import EarlyReceipt
from services.notifier.handlers.callback_context import CallbackContext
from services.notifier.metrics import EARLY_EXPIRED, labelled
from shared.deadletter import dead_letter_record
from shared.errors import PermanentError
from shared.events import KafkaRecord
from shared.metrics import DEAD_LETTERS
from shared.topics import dead_letter

log = logging.getLogger(__name__)
#: Where an expired receipt says it came from (callbacks come over HTTP, not from a topic).
SOURCE: Final = "notifier.early-receipts"
SERVICE: Final = "notifier"
#: Expired receipts handed over per pass (the pass goes on while a full one is found).
EXPIRY_PASS: Final = 500


class ReceiptUnmatched(PermanentError):
    """A kept receipt no settled send carried an id of within the expiry."""

    reason_code = "receipt_unmatched"


def source_offset(early: EarlyReceipt) -> int:
    """A stable number of the receipt (from its key): the dead letter's source offset, so a
    repeat of the hand-off is the same entry in the evidence log."""
    return int.from_bytes(hashlib.sha256(early.key.encode()).digest()[:8], "big") >> 1


def unmatched_letter(early: EarlyReceipt, expiry: timedelta) -> KafkaRecord:
    """The dead letter of an expired receipt: the receipt as JSON, the reason in its headers."""
    receipt = early.receipt
    value = {
        "provider": early.provider,
        "ids": list(receipt.ids),
        "status": receipt.status,
        "dedupe": receipt.dedupe,
        "failed": receipt.failed,
        "kept_at": early.at.isoformat(),
    }
    hours = expiry.total_seconds() / 3600
    reason = ReceiptUnmatched(
        f"a {early.provider} receipt kept {hours:g} h: no settled send carried its ids"
    )
    return dead_letter_record(
        key=early.key.encode(),
        value=json.dumps(value, sort_keys=True, separators=(",", ":")).encode(),
        headers=(),
        source=(SOURCE, 0, source_offset(early)),
        error=reason,
        service=SERVICE,
    )


async def expire_early(ctx: CallbackContext, expiry: timedelta, limit: int = EXPIRY_PASS) -> int:
    """Receipts kept longer than ``expiry`` that no send names, dead-lettered (each
    acknowledged), counted, then forgotten; how many."""
    expired = await ctx.store.early_expired(ctx.clock() - expiry, limit)
    if not expired:
        return 0
    topic = dead_letter(ctx.interactions_topic)
    await asyncio.gather(
        *(ctx.publisher.publish_record(topic, unmatched_letter(e, expiry)) for e in expired)
    )
    for early in expired:
        labelled(EARLY_EXPIRED, early.provider).inc()
    labelled(DEAD_LETTERS, SERVICE, SOURCE, ReceiptUnmatched.reason_code).inc(len(expired))
    log.warning("kept receipts expired unmatched", extra={"count": len(expired), "topic": topic})
    await ctx.store.forget_early([e.key for e in expired], ctx.clock())
    return len(expired)
