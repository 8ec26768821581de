"""faust in tests: close the spare event loops it makes and leaves for the garbage collector."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator


def _open_loops() -> dict[int, asyncio.AbstractEventLoop]:
    return {
        id(o): o
        for o in gc.get_objects()
        if isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed()
    }


def closing_spare_loops() -> Iterator[None]:
    """Around one test: close every event loop made during it and not running at its end.

    faust (through mode) makes a loop when it looks one up where none is current, and an
    agent's ``test_context()`` leaves one too; collected later, their sockets would warn in
    whichever test happens to run then.
    """
    before = set(_open_loops())
    yield
    for key, loop in _open_loops().items():
        if key not in before and not loop.is_running():
            loop.close()
