"""Where the latest checkpoint is kept outside the log's database, and the TSA client."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import aiohttp
from cryptography import x509
from rfc3161_client import (
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from shared.errors import RetryableError


class Witness(Protocol):
    """Keeps the latest signed checkpoint where the log's own database cannot overwrite it."""

    async def latest(self) -> str | None: ...

    async def record(self, note: str) -> None: ...


class FileWitness:
    """:class:`Witness` in a file (a separate volume in production), replaced atomically."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def latest(self) -> str | None:
        try:
            return self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    async def record(self, note: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(note)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self._path)


class Timestamper(Protocol):
    """Obtains an RFC 3161 time-stamp token over some bytes."""

    async def stamp(self, data: bytes) -> bytes: ...


class HttpTimestamper:
    """:class:`Timestamper` for an RFC 3161 TSA over HTTP; each reply is verified before use."""

    def __init__(self, url: str, ca_file: Path | None, timeout_s: float = 10.0) -> None:
        self._url = url
        self._roots = x509.load_pem_x509_certificates(ca_file.read_bytes()) if ca_file else []
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def stamp(self, data: bytes) -> bytes:
        request = TimestampRequestBuilder().data(data).nonce(nonce=True).build()
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(
                    self._url,
                    data=request.as_bytes(),
                    headers={"Content-Type": "application/timestamp-query"},
                ) as response,
            ):
                if response.status != 200:
                    raise RetryableError(f"TSA answered {response.status}")
                reply = await response.read()
        except (aiohttp.ClientError, TimeoutError) as e:
            raise RetryableError(f"TSA unreachable: {type(e).__name__}") from e
        decoded = decode_timestamp_response(reply)
        builder = VerifierBuilder.from_request(request)
        for root in self._roots:
            builder = builder.add_root_certificate(root)
        try:
            builder.build().verify_message(decoded, data)
        except VerificationError as e:
            raise RetryableError(f"TSA reply does not verify: {e}") from e
        return reply
