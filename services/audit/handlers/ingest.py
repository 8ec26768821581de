"""Ingestion: records staged one by one, appended in one transaction before the commit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from services.audit.domain.entries import NewEntry
from services.audit.handlers.evidence import EvidenceLog
from services.audit.metrics import APPEND_BATCH_SECONDS, APPENDS


@dataclass
class IngestBuffer:
    """Group commit: records are staged, then appended in one transaction before the commit."""

    log: EvidenceLog
    staged: list[NewEntry] = field(default_factory=list)

    def stage(self, entry: NewEntry) -> None:
        self.staged.append(entry)

    async def flush(self) -> None:
        if not self.staged:
            return
        # On failure the staged entries are dropped: the consume loop redelivers their records.
        batch, self.staged = self.staged, []
        before = self.log.size
        started = time.monotonic()
        await self.log.append(batch)
        APPEND_BATCH_SECONDS.observe(time.monotonic() - started)
        APPENDS.labels("kafka").inc(self.log.size - before)
