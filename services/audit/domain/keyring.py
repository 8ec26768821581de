"""The writer's data keys: unwrapped once under the master key, new ones dropped if not written."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.audit.domain import sealing


class ContentErased(Exception):
    """The entry's data key was erased after its retention period: only the proof remains."""


@dataclass(frozen=True)
class NewKeys:
    """Data keys created for one batch: plain for sealing, wrapped for the store."""

    plain: dict[str, bytes]
    wrapped: dict[str, bytes]
    ciphers: dict[str, AESGCM] = field(default_factory=dict)  # of ``plain``


class KeyRing:
    """Per-debtor data keys by key reference, unwrapped under the master key, each held as its
    AES-GCM cipher (made once per key, not once per payload)."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self._keys: dict[str, AESGCM] = {}

    def missing(self, refs: Iterable[str]) -> set[str]:
        """The references whose key the ring does not hold (ask the store for them)."""
        return set(refs) - self._keys.keys()

    def learn(self, wrapped: Mapping[str, bytes | None]) -> None:
        """Unwrap stored keys; an erased key seals no more (:class:`ContentErased`)."""
        for ref, key in wrapped.items():
            if key is None:
                raise ContentErased(
                    f"the data key {ref} was erased; nothing more is sealed with it"
                )
            self._keys[ref] = sealing.cipher(sealing.unwrap_key(self._master, key))

    def issue(self, refs: Iterable[str]) -> NewKeys:
        """New keys for the references the ring does not hold, until :meth:`keep` is called."""
        plain = {ref: sealing.new_data_key() for ref in self.missing(refs)}
        wrapped = {ref: sealing.wrap_key(self._master, key) for ref, key in plain.items()}
        return NewKeys(plain, wrapped, {ref: sealing.cipher(key) for ref, key in plain.items()})

    def keys_for(self, new: NewKeys) -> Mapping[str, AESGCM]:
        """The cipher of every key a batch may seal with: those held and the batch's new ones
        (a view, not a copy of the ring)."""
        return ChainMap(new.ciphers, self._keys)

    def keep(self, new: NewKeys) -> None:
        """Hold a batch's new keys (its next part seals with them too); :meth:`drop` them if
        the batch that stores their wrapped form is not written."""
        self._keys.update(new.ciphers)

    def drop(self, new: NewKeys) -> None:
        """Let go of a batch's new keys kept before it was durable (its write failed); a key
        the store holds after all is read back from it when next needed."""
        for ref, key in new.ciphers.items():
            if self._keys.get(ref) is key:
                del self._keys[ref]

    def forget(self, ref: str) -> None:
        self._keys.pop(ref, None)

    def unwrap(self, wrapped: bytes) -> bytes:
        return sealing.unwrap_key(self._master, wrapped)
