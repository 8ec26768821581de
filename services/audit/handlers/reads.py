"""Reading decrypted content: a case's timeline, and every such read logged in the log itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.audit.domain.entries import entry_for_plaintext_read
from services.audit.domain.opening import entry_json
from services.audit.handlers.evidence import EvidenceLog
from services.audit.metrics import PLAINTEXT_READS
from services.audit.ports import AuditStore
from shared.events import derived_event_id


async def log_plaintext_read(
    log_: EvidenceLog, *, reader: str, purpose: str, indexes: Sequence[int]
) -> None:
    """Every read of decrypted content becomes an entry of the log itself."""
    if not indexes:
        return
    now = log_.clock.now()
    read_id = derived_event_id(
        "read", reader, purpose, now.isoformat(), str(indexes[0]), str(len(indexes))
    )
    await log_.append(
        [
            entry_for_plaintext_read(
                reader=reader, purpose=purpose, indexes=indexes, at=now, read_id=read_id
            )
        ]
    )
    PLAINTEXT_READS.labels(purpose).inc()


async def read_case(
    log_: EvidenceLog,
    store: AuditStore,
    *,
    debtor_id: str | None,
    loan_id: str | None,
    reader: str,
    limit: int,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """A case's timeline (or every entry of one kind), decrypted for an auditor, the read itself
    logged."""
    rows = await store.case_leaves(debtor_id=debtor_id, loan_id=loan_id, limit=limit, kind=kind)
    opened = await log_.open(rows)
    await log_plaintext_read(
        log_,
        reader=reader,
        purpose="timeline",
        indexes=[o.row.index for o in opened if o.plaintext is not None],
    )
    return [entry_json(o) for o in opened]
