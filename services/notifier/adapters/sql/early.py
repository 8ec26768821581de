"""Receipts that overtook their sends, in SQL: kept, matched to the ledger, forgotten once taken.

Every statement is built once; a list of receipts is one commit each way. A receipt kept
longer than the notifier's expiry, that no send in the ledger names, is read back to be handed
to the evidence log (:mod:`services.notifier.handlers.early_expiry`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, delete, exists, func, or_, select
from sqlalchemy.engine import Row

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import callbacks_seen, early_receipts, send_ledger
from services.notifier.domain.inbound import EarlyReceipt, Receipt
from services.notifier.domain.model import SentMessage
from shared.database import as_utc

_E, _L = early_receipts.c, send_ledger.c
#: Kept receipts a send in the ledger carries an id of (the provider's own), oldest first.
_MATCHED: Final = (
    select(early_receipts, _L.send_key, _L.debtor_id, _L.loan_id, _L.channel)
    .join(
        send_ledger,
        or_(_L.provider_message_id == _E.first_id, _L.provider_message_id == _E.second_id),
    )
    .where(_L.provider == _E.provider)
    .order_by(_E.at)
    .limit(bindparam("limit"))
)
_FORGET: Final = delete(early_receipts).where(
    _E.callback_key.in_(bindparam("keys", expanding=True))
)
_COUNT: Final = select(func.count()).select_from(early_receipts)
_OLDEST: Final = select(func.min(_E.at))
#: Kept before ``before`` and named by no send of their provider in the ledger, oldest first.
_EXPIRED: Final = (
    select(early_receipts)
    .where(_E.at < bindparam("before"))
    .where(
        ~exists().where(
            _L.provider == _E.provider,
            or_(_L.provider_message_id == _E.first_id, _L.provider_message_id == _E.second_id),
        )
    )
    .order_by(_E.at)
    .limit(bindparam("limit"))
)


def _row(early: EarlyReceipt) -> dict[str, Any]:
    ids = early.receipt.ids
    return {
        "callback_key": early.key,
        "provider": early.provider,
        "first_id": ids[0] if ids else "",
        "second_id": (ids[1] or None) if len(ids) > 1 else None,
        "status": early.receipt.status,
        "dedupe": early.receipt.dedupe,
        "failed": early.receipt.failed,
        "at": early.at,
    }


def _kept(row: Row[Any]) -> EarlyReceipt:
    ids = (row.first_id,) if row.second_id is None else (row.first_id, row.second_id)
    receipt = Receipt(ids=ids, status=row.status, dedupe=row.dedupe, failed=row.failed)
    return EarlyReceipt(row.provider, receipt, as_utc(row.at))


def _early(row: Row[Any]) -> tuple[EarlyReceipt, SentMessage]:
    sent = SentMessage(row.send_key, row.debtor_id, row.loan_id, row.channel)
    return _kept(row), sent


class SqlEarlyReceipts(SqlBase):
    """The early receipts of :class:`~services.notifier.ports.CallbackStore`."""

    async def keep_early(self, receipts: Sequence[EarlyReceipt]) -> None:
        if not receipts:
            return
        rows = list({r.key: _row(r) for r in receipts}.values())
        stmt = self._dialect.insert(early_receipts).on_conflict_do_nothing(
            index_elements=[_E.callback_key]
        )
        async with self._guard() as conn:
            await conn.execute(stmt, rows)

    async def early_matched(self, limit: int) -> list[tuple[EarlyReceipt, SentMessage]]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_MATCHED, {"limit": limit})).all()
        found: dict[str, tuple[EarlyReceipt, SentMessage]] = {}
        for row in rows:  # a receipt both of whose ids match is taken once
            found.setdefault(row.callback_key, _early(row))
        return list(found.values())

    async def forget_early(self, callback_keys: Sequence[str], at: datetime) -> None:
        if not callback_keys:
            return
        keys = list(dict.fromkeys(callback_keys))
        seen = self._dialect.insert(callbacks_seen).on_conflict_do_nothing(
            index_elements=[callbacks_seen.c.callback_key]
        )
        async with self._guard() as conn:
            await conn.execute(seen, [{"callback_key": k, "at": at} for k in keys])
            await conn.execute(_FORGET, {"keys": keys})

    async def early_count(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(_COUNT)).scalar_one())

    async def early_oldest(self) -> datetime | None:
        async with self._engine.connect() as conn:
            oldest = (await conn.execute(_OLDEST)).scalar_one()
        return None if oldest is None else as_utc(oldest)

    async def early_expired(self, before: datetime, limit: int) -> list[EarlyReceipt]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_EXPIRED, {"before": before, "limit": limit})).all()
        return [_kept(row) for row in rows]
