"""Checkpoints in the C2SP signed-note format, signed with Ed25519.

A checkpoint body is three lines: the log's origin, the tree size in decimal and the root hash
in base64. A signed note adds a blank line and one line per signature:
``— <key name> <base64(4-byte key id ‖ signature)>``. The key id is the first four bytes of
SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key) for Ed25519.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519: Final = b"\x01"
DASH: Final = "\u2014"
_SIGNATURE_LINE: Final = re.compile(rf"^{DASH} (\S+) ([A-Za-z0-9+/=]+)$")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


@dataclass(frozen=True)
class VerifierKey:
    """A log public key as published in the key history."""

    name: str
    public_key: bytes  # raw 32 bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)


@dataclass(frozen=True)
class Signer:
    """The log's current signing key and the name it signs under."""

    name: str
    private: Ed25519PrivateKey

    @property
    def key(self) -> VerifierKey:
        return VerifierKey(self.name, raw_public_key(self.private))


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def raw_public_key(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(checkpoint: Checkpoint, name: str, private: Ed25519PrivateKey) -> str:
    """The signed note of a checkpoint."""
    body = checkpoint.body()
    signature = key_id(name, raw_public_key(private)) + private.sign(body.encode())
    return f"{body}\n{DASH} {name} {base64.b64encode(signature).decode()}\n"


class NoteError(ValueError):
    """A note that is malformed, or that no trusted key verifies."""


def parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if (
        len(lines) < 4
        or lines[-1] != ""
        or not lines[1].isdigit()
        or lines[1] != str(int(lines[1]))
    ):
        raise NoteError("checkpoint body must be origin, size and root lines")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as e:
        raise NoteError("checkpoint root is not base64") from e
    if len(root) != 32:
        raise NoteError("checkpoint root is not a SHA-256 hash")
    return Checkpoint(origin=lines[0], size=int(lines[1]), root=root)


def open_note(note: str, keys: Iterable[VerifierKey]) -> Checkpoint:
    """Verify a signed note with the trusted keys and return its checkpoint.

    Unknown signatures are ignored (rotation, witnesses); at least one trusted key must verify.
    """
    body, sep, signatures = note.partition("\n\n")
    if not sep or any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise NoteError("not a signed note")
    body += "\n"
    trusted = {(k.name, k.key_id): k for k in keys}
    for line in signatures.rstrip("\n").split("\n"):
        match = _SIGNATURE_LINE.match(line)
        if not match:
            raise NoteError("malformed signature line")
        raw = base64.b64decode(match.group(2))
        key = trusted.get((match.group(1), raw[:4]))
        if key is None:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(raw[4:], body.encode())
        except InvalidSignature as e:
            raise NoteError(f"signature by {key.name} does not verify") from e
        return parse_body(body)
    raise NoteError("no trusted key signed this checkpoint")
