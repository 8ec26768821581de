"""WeChat's message encryption ("safe mode") for the server URL: pushes in, replies out.

As the Official Account message-encryption documentation defines it (compliance reference
``channels.md`` §1.4): the 43-character EncodingAESKey is base64 without its ``=``, so the AES
key is ``b64decode(key + "=")`` (32 bytes) and the IV its first 16 bytes; AES-256-CBC over
``16 random bytes + 4-byte network-order length + message + AppID``, padded PKCS#7 to a
32-byte block, then base64. ``msg_signature`` is the SHA-1 of the sorted token, timestamp,
nonce and ``Encrypt``. A push that fails any check is refused with why, never taken.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from services.notifier.domain.inbound import CallbackRefused, same

KEY_LENGTH = 43
#: WeChat pads to 32 bytes (PKCS#7 with the AES key's length as the block), not AES's 16.
BLOCK = 32


def msg_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """A safe-mode push's or reply's ``msg_signature``."""
    joined = "".join(sorted([token, timestamp, nonce, encrypt]))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - WeChat's scheme


def aes_key(encoding_aes_key: str) -> bytes:
    """The AES-256 key an EncodingAESKey stands for; raises ValueError when it is not one."""
    if len(encoding_aes_key) != KEY_LENGTH:
        raise ValueError(f"an EncodingAESKey has {KEY_LENGTH} characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as e:
        raise ValueError("an EncodingAESKey is base64") from e
    return key


def _pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    n = data[-1] if data else 0
    if not 1 <= n <= BLOCK or data[-n:] != bytes([n]) * n:
        raise CallbackRefused(400, "cannot decrypt: bad padding")
    return data[:-n]


class WeChatCrypto:
    """One account's cipher: its EncodingAESKey and its AppID (what each message ends with)."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        self._key = aes_key(encoding_aes_key)
        self._app_id = app_id.encode()

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: bytes, *, salt: bytes | None = None) -> str:
        """``message`` sealed for WeChat (``salt``: the 16 random bytes, fixed only in tests)."""
        salt = os.urandom(16) if salt is None else salt
        plain = _pad(salt + struct.pack("!I", len(message)) + message + self._app_id)
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypt: str) -> bytes:
        """The message inside ``Encrypt``; refused when it is not ours (AppID) or unreadable."""
        try:
            sealed = base64.b64decode(encrypt, validate=True)
        except binascii.Error as e:
            raise CallbackRefused(400, "cannot decrypt: Encrypt is not base64") from e
        if not sealed or len(sealed) % 16:
            raise CallbackRefused(400, "cannot decrypt: not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(sealed) + decryptor.finalize())
        if len(plain) < 20:
            raise CallbackRefused(400, "cannot decrypt: too short")
        (length,) = struct.unpack("!I", plain[16:20])
        message, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length:
            raise CallbackRefused(400, "cannot decrypt: length past the end")
        if not same(app_id.decode(errors="replace"), self._app_id.decode()):
            raise CallbackRefused(403, "encrypted for another AppID")
        return message

    def check(self, signature: str, timestamp: str, nonce: str, encrypt: str, token: str) -> None:
        """Refuse ``encrypt`` unless ``signature`` is its ``msg_signature`` under ``token``."""
        if not same(signature, msg_signature(token, timestamp, nonce, encrypt)):
            raise CallbackRefused(403, "bad msg_signature")
