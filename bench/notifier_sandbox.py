"""The provider sandbox in a process of its own, for the notifier's benchmark: neither the
benchmark's driver nor its baseline shares the sandbox's interpreter.

``python -m bench.notifier_sandbox PORT CALLBACK_BASE`` serves it until terminated.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request

from aiohttp import web
from tqdm import tqdm

from sandbox.providers.core import Credentials, Received
from sandbox.providers.server import ProviderSandbox
from sandbox.smtp import free_port


class SandboxProcess:
    """The provider sandbox in a process of its own (``python -m bench.notifier_sandbox PORT
    CALLBACK_BASE``), so that neither the driver nor the baseline shares its interpreter."""

    def __init__(self, callback_base: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.credentials = Credentials()
        self._base = callback_base
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> SandboxProcess:
        command = [sys.executable, "-m", "bench.notifier_sandbox", str(self.port), self._base]
        self._process = subprocess.Popen(command)  # noqa: S603 - our own interpreter and module
        deadline = time.monotonic() + 30
        while True:
            try:
                self.received()
                return self
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)

    def received(self) -> list[Received]:
        with urllib.request.urlopen(f"{self.url}/_received", timeout=30) as r:  # noqa: S310
            return [Received(**item) for item in json.loads(r.read())]

    async def wait_for(self, count: int, desc: str, timeout_s: float = 900) -> None:
        """Until the sandbox took ``count`` messages in all."""
        deadline = time.monotonic() + timeout_s
        with tqdm(total=count, desc=desc, unit="msg") as bar:
            while (done := self.received_count()) < count:
                bar.update(done - bar.n)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{desc}: {done} of {count}")
                await asyncio.sleep(0.2)
            bar.update(done - bar.n)

    def received_count(self) -> int:
        with urllib.request.urlopen(f"{self.url}/_received_count", timeout=30) as r:  # noqa: S310
            found: int = json.loads(r.read())
        return found


class CountingSandbox(ProviderSandbox):
    """The sandbox, also answering how many messages it took (``GET /_received_count``)."""

    def app(self) -> web.Application:
        app = super().app()
        state = self.state

        async def count(request: web.Request) -> web.Response:
            return web.json_response(len(state.received))

        app.router.add_get("/_received_count", count)
        return app


async def serve_sandbox(port: int, callback_base: str) -> None:
    """The sandbox's process: serve until terminated."""
    sandbox = CountingSandbox(callback_base)
    await sandbox.start(port)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


if __name__ == "__main__":
    asyncio.run(serve_sandbox(int(sys.argv[1]), sys.argv[2]))
