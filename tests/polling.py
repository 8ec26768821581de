"""Waiting for effects in other processes and on the broker."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout_s: float = 60) -> None:
    """Poll ``check`` until it holds; raise ``TimeoutError`` after ``timeout_s``.

    Polling, not an event: what is awaited happens in another process or on the broker.

    :param check: a sync or async predicate.
    :param timeout_s: how long to wait.
    """
    async with asyncio.timeout(timeout_s):
        while True:
            outcome = check()
            if await outcome if isinstance(outcome, Awaitable) else outcome:
                return
            await asyncio.sleep(0.1)
