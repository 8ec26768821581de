"""The email part of the notifier's store, one contract for memory, SQLite and PostgreSQL:
bounced contact points and kept mail, each once."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifier.domain.email_inbound import KeptMail
from services.notifier.ports import NotifierStore
from tests.contract.test_notifier_store import store

__all__ = ["store"]  # the fixture, parametrised over every adapter
NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


async def test_a_bounced_point_is_marked_once_per_debtor(store: NotifierStore) -> None:
    assert await store.undeliverable("d1") == frozenset()
    assert await store.mark_undeliverable("d1", "cp-1", NOW) is True
    assert await store.mark_undeliverable("d1", "cp-1", NOW) is False
    assert await store.mark_undeliverable("d1", "cp-2", NOW) is True
    assert await store.undeliverable("d1") == frozenset({"cp-1", "cp-2"})
    assert await store.undeliverable("d2") == frozenset()


async def test_kept_mail_is_kept_once_by_key(store: NotifierStore) -> None:
    raw = "退订".encode() + bytes(range(256))  # any bytes, kept as they came
    mail = KeptMail("k1", NOW, "unknown_sender", raw, sender_point="cp-9")
    assert await store.keep_mail(mail) is True
    assert await store.keep_mail(mail) is False
    assert await store.keep_mail(KeptMail("k2", NOW, "unreadable", b"")) is True
