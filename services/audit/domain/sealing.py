"""Payload encryption at rest: per-debtor AES-GCM data keys wrapped by a master key.

Each payload is sealed with its debtor's data key; the log's leaf commits to the ciphertext's
hash and to a salted hash of the plaintext. Erasing a debtor's wrapped key makes the content
unreadable while every proof still verifies, and the salted commitment reveals nothing once the
salt (inside the ciphertext) is unreadable.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
SALT_BYTES: Final = 16


class SealError(Exception):
    """A ciphertext or wrapped key does not open: wrong key, or tampered bytes."""


@dataclass(frozen=True)
class Sealed:
    """A sealed payload and the two values the leaf commits to."""

    ciphertext: bytes  # nonce ‖ AES-GCM(salt ‖ plaintext)
    ciphertext_sha256: str
    commitment: str  # SHA-256(salt ‖ plaintext), hex


@dataclass(frozen=True)
class Opened:
    plaintext: bytes
    salt: bytes


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def wrap_key(master: bytes, data_key: bytes) -> bytes:
    """RFC 3394 AES key wrap of a data key under the master key."""
    return aes_key_wrap(master, data_key)


def unwrap_key(master: bytes, wrapped: bytes) -> bytes:
    try:
        return aes_key_unwrap(master, wrapped)
    except InvalidUnwrap as e:
        raise SealError("data key does not unwrap under this master key") from e


def commitment(salt: bytes, plaintext: bytes) -> str:
    """The salted hash a leaf holds for its plaintext."""
    return hashlib.sha256(salt + plaintext).hexdigest()


def cipher(data_key: bytes) -> AESGCM:
    """The AES-GCM cipher of a data key: made once per key, it seals every payload of it."""
    return AESGCM(data_key)


def seal(key: AESGCM, plaintext: bytes, *, associated: bytes) -> Sealed:
    """Encrypt a payload with a data key's :func:`cipher`; ``associated`` (the event id) binds
    the ciphertext to its entry. A fresh random nonce and salt each time (one draw from the
    operating system's generator, split)."""
    fresh = os.urandom(NONCE_BYTES + SALT_BYTES)
    nonce, salt = fresh[:NONCE_BYTES], fresh[NONCE_BYTES:]
    salted = salt + plaintext
    ciphertext = nonce + key.encrypt(nonce, salted, associated)
    return Sealed(
        ciphertext=ciphertext,
        ciphertext_sha256=hashlib.sha256(ciphertext).hexdigest(),
        commitment=hashlib.sha256(salted).hexdigest(),  # commitment(salt, plaintext)
    )


def open_sealed(data_key: bytes, ciphertext: bytes, *, associated: bytes) -> Opened:
    nonce, body = ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:]
    try:
        opened = AESGCM(data_key).decrypt(nonce, body, associated)
    except InvalidTag as e:
        raise SealError("ciphertext does not open: tampered or wrong key") from e
    return Opened(plaintext=opened[SALT_BYTES:], salt=opened[:SALT_BYTES])
