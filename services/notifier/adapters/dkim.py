"""DKIM (RFC 6376) verification with dkimpy, aligned with the From domain (as DMARC has it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from email import message_from_bytes
from email.utils import parseaddr

import dkim

#: Looks up a DNS TXT record: ``name`` (bytes, ``selector._domainkey.domain.``) to its text.
TxtLookup = Callable[..., bytes | None]


class DkimVerifier:
    """:class:`~services.notifier.ports.DkimCheck`: a signature that verifies, made by the
    From address's domain or a parent of it (a signature by any other domain proves nothing
    about the sender). DNS lookups run in a worker thread (dkimpy is synchronous)."""

    def __init__(self, dns: TxtLookup | None = None) -> None:
        self._dns = dns

    async def verify(self, raw: bytes) -> bool:
        return await asyncio.to_thread(self._verify, raw)

    def _verify(self, raw: bytes) -> bool:
        checker = dkim.DKIM(raw)
        try:
            ok = checker.verify(dnsfunc=self._dns) if self._dns else checker.verify()
        except dkim.DKIMException:
            return False
        if not ok or not checker.domain:
            return False
        signer = checker.domain.decode("ascii", errors="replace").lower().rstrip(".")
        sender = parseaddr(str(message_from_bytes(raw).get("From", "")))[1]
        domain = sender.rpartition("@")[2].lower().rstrip(".")
        return domain == signer or domain.endswith(f".{signer}")
