"""The log's signing keys as published: the key history a verifier trusts."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.audit.domain.checkpoint import Signer, VerifierKey


class PublishedKey(BaseModel):
    """A log public key from the key history (earlier keys stay published after rotation)."""

    model_config = ConfigDict(frozen=True)

    name: str
    public_key: str  # base64 of the raw 32-byte Ed25519 key
    valid_from: datetime
    valid_until: datetime | None = None


def published_key(signer: Signer, valid_from: datetime) -> PublishedKey:
    """The signer's public key as the key history publishes it."""
    return PublishedKey(
        name=signer.name,
        public_key=base64.b64encode(signer.key.public_key).decode(),
        valid_from=valid_from,
    )


def verifier_keys(keys: Sequence[PublishedKey]) -> tuple[VerifierKey, ...]:
    return tuple(VerifierKey(k.name, base64.b64decode(k.public_key)) for k in keys)


@dataclass(frozen=True)
class KeyHistory:
    """Every key a checkpoint may be signed with, as published and as a verifier trusts them."""

    published: tuple[PublishedKey, ...]

    @property
    def trusted(self) -> tuple[VerifierKey, ...]:
        return verifier_keys(self.published)
