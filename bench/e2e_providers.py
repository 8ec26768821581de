"""The end-to-end run's providers in a process of their own: the SMS and WeChat sandbox and the
borrowers' SMTP inbox (``python -m bench.e2e_providers HTTP_PORT SMTP_PORT CALLBACK_BASE``),
so that neither shares an interpreter with the driver watching the run.

``GET /_received`` lists the SMS and WeChat messages taken, ``GET /_mail`` the emails
(recipient, subject, body), which the driver reads once the run is over.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

from aiohttp import web

from sandbox.providers.server import ProviderSandbox
from sandbox.smtp import SmtpInbox, free_port


class ProvidersProcess:
    """Start, read and stop the providers' process."""

    def __init__(self, callback_base: str) -> None:
        self.port, self.smtp_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._command = [
            sys.executable,
            "-m",
            "bench.e2e_providers",
            str(self.port),
            str(self.smtp_port),
            callback_base,
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> ProvidersProcess:
        self._process = subprocess.Popen(self._command)  # noqa: S603 - our own interpreter
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._get("/_mail")
                return self
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise
                time.sleep(0.2)

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=60) as r:  # noqa: S310 - local
            return json.loads(r.read())

    def messages(self) -> list[tuple[str, ...]]:
        """Every message the providers and the inbox took, as (channel, recipient, text)."""
        sms = [(m["provider"], m["to"], m["text"]) for m in self._get("/_received")]
        return sms + [("email", *m) for m in self._get("/_mail")]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)


async def serve(port: int, smtp_port: int, callback_base: str) -> None:
    """The process: the sandbox and the inbox until terminated."""
    inbox = SmtpInbox(port=smtp_port).start()
    sandbox = ProviderSandbox(callback_base)

    async def mail(request: web.Request) -> web.Response:
        found = [(str(m["To"]), str(m["Subject"]), str(m.get_payload())) for m in inbox.messages()]
        return web.json_response(found)

    app = sandbox.app()
    app.router.add_get("/_mail", mail)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        inbox.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
