"""The reply address's inbound SMTP listener (aiosmtpd), on the service's own event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiosmtpd.smtp import SMTP

from services.notifier.domain.email_inbound import ArrivedMail


class _Handler:
    """aiosmtpd's handler hooks: recipients checked at RCPT, each message handed over at DATA."""

    def __init__(
        self, accepts: Callable[[str], bool], take: Callable[[ArrivedMail], Awaitable[str]]
    ) -> None:
        self._accepts, self._take = accepts, take

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not self._accepts(address):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        arrived = ArrivedMail(
            mail_from=str(envelope.mail_from or ""),
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw if isinstance(raw, bytes) else str(raw).encode(),
        )
        return await self._take(arrived)


class SmtpListener:
    """:class:`~services.notifier.ports.MailServer` on ``host:port`` (port 0: any free port,
    then :attr:`port` says which)."""

    def __init__(self, host: str, port: int, *, max_bytes: int, hostname: str) -> None:
        self._host, self.port = host, port
        self._max_bytes, self._hostname = max_bytes, hostname

    @asynccontextmanager
    async def serving(
        self, accepts: Callable[[str], bool], take: Callable[[ArrivedMail], Awaitable[str]]
    ) -> AsyncIterator[None]:
        handler = _Handler(accepts, take)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(
                handler,
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                hostname=self._hostname,
                timeout=60,
            ),
            self._host,
            self.port,
        )
        self.port = int(server.sockets[0].getsockname()[1])
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()
