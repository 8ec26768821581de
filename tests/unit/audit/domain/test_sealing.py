"""Sealing a payload: it opens with its data key and entry only, and commits to its plaintext."""

from __future__ import annotations

import hashlib

import pytest

from services.audit.domain import sealing

KEY = sealing.new_data_key()


def test_a_sealed_payload_opens_and_its_leaf_values_commit_to_it() -> None:
    sealed = sealing.seal(sealing.cipher(KEY), b"payload", associated=b"e1")
    opened = sealing.open_sealed(KEY, sealed.ciphertext, associated=b"e1")
    assert opened.plaintext == b"payload"
    assert len(opened.salt) == sealing.SALT_BYTES
    assert sealed.commitment == sealing.commitment(opened.salt, b"payload")
    assert sealed.ciphertext_sha256 == hashlib.sha256(sealed.ciphertext).hexdigest()


def test_every_seal_draws_its_own_nonce_and_salt() -> None:
    key = sealing.cipher(KEY)
    first, second = (sealing.seal(key, b"same", associated=b"e1") for _ in range(2))
    nonces = {s.ciphertext[: sealing.NONCE_BYTES] for s in (first, second)}
    salts = {sealing.open_sealed(KEY, s.ciphertext, associated=b"e1").salt for s in (first, second)}
    assert len(nonces) == len(salts) == 2
    assert first.commitment != second.commitment


def test_a_payload_opens_only_for_its_own_entry_and_key() -> None:
    sealed = sealing.seal(sealing.cipher(KEY), b"payload", associated=b"e1")
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(KEY, sealed.ciphertext, associated=b"e2")
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(sealing.new_data_key(), sealed.ciphertext, associated=b"e1")
