"""Retention: the content of debtors quiet for the whole retention period is erased."""

from __future__ import annotations

import logging
from datetime import timedelta

from services.audit.handlers.evidence import EvidenceLog

log = logging.getLogger(__name__)


async def erase_expired_content(log_: EvidenceLog, retention: timedelta) -> None:
    """Erase the data keys of debtors with no entry within ``retention`` (their proofs stay)."""
    erased = await log_.erase_expired(log_.clock.now(), retention)
    if erased:
        log.info("retention erased debtors' content", extra={"debtors": len(erased)})
