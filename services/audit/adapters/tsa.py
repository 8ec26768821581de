"""An RFC 3161 time-stamping authority over HTTP (aiohttp client)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from cryptography import x509
from rfc3161_client import (
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from shared.errors import RetryableError


class HttpTimestamper:
    """:class:`~services.audit.ports.Timestamper` for a TSA; each reply is verified before use."""

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
