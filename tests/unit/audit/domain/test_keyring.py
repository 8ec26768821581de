"""The key ring: stored keys unwrapped once, new keys held only once their batch is durable."""

from __future__ import annotations

import pytest

from services.audit.domain import sealing
from services.audit.domain.keyring import ContentErased, KeyRing

MASTER = b"m" * 32


def test_new_keys_are_issued_for_unknown_references_only() -> None:
    ring = KeyRing(MASTER)
    stored = sealing.new_data_key()
    ring.learn({"debtor:d1": sealing.wrap_key(MASTER, stored)})
    new = ring.issue({"debtor:d1", "debtor:d2"})
    assert set(new.plain) == set(new.wrapped) == {"debtor:d2"}
    assert sealing.unwrap_key(MASTER, new.wrapped["debtor:d2"]) == new.plain["debtor:d2"]
    ciphers = ring.keys_for(new)
    assert set(ciphers) == {"debtor:d1", "debtor:d2"}
    for ref, key in (("debtor:d1", stored), ("debtor:d2", new.plain["debtor:d2"])):
        sealed = sealing.seal(ciphers[ref], b"payload", associated=b"e1")
        assert sealing.open_sealed(key, sealed.ciphertext, associated=b"e1").plaintext == (
            b"payload"
        )


def test_each_key_has_one_cipher_for_every_payload() -> None:
    ring = KeyRing(MASTER)
    new = ring.issue({"debtor:d1"})
    first = ring.keys_for(new)["debtor:d1"]
    ring.keep(new)
    later = ring.keys_for(ring.issue({"debtor:d1"}))["debtor:d1"]
    assert later is first


def test_a_new_key_is_held_only_once_kept() -> None:
    ring = KeyRing(MASTER)
    new = ring.issue({"debtor:d1"})
    assert ring.missing({"debtor:d1"}) == {"debtor:d1"}
    ring.keep(new)
    assert ring.missing({"debtor:d1"}) == set()
    ring.forget("debtor:d1")
    assert ring.missing({"debtor:d1"}) == {"debtor:d1"}


def test_an_erased_key_seals_no_more() -> None:
    with pytest.raises(ContentErased, match="debtor:d1"):
        KeyRing(MASTER).learn({"debtor:d1": None})


def test_a_key_wrapped_under_another_master_does_not_unwrap() -> None:
    wrapped = sealing.wrap_key(b"o" * 32, sealing.new_data_key())
    with pytest.raises(sealing.SealError):
        KeyRing(MASTER).unwrap(wrapped)
