"""schemathesis on running services: the services started on their own topics, and the one
property every case must hold (whatever is sent, the answer is never a 5xx)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from schemathesis import Case

from sandbox.stack import Stack
from tests.support.stack import assert_stopped_cleanly, isolated_stack, stop_together


def fuzz(examples: int) -> settings:
    """How hard each operation is tried: ``examples`` cases, no deadline (the services run
    beside the broker on shared cores)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )


@contextmanager
def running(broker: str, workdir: Path, prefix: str, *services: str) -> Iterator[Stack]:
    """``services`` started on topics of their own, ready; each must stop cleanly."""
    stack, _ = isolated_stack(broker, workdir, prefix)
    try:
        for service in services:
            stack.start(service)
        for service in services:
            asyncio.run(stack.wait_ready(service, timeout_s=150))
        yield stack
    finally:
        codes = stop_together(stack)
    assert_stopped_cleanly(stack, codes, expected=services)


def never_5xx(case: Case[Any], stack: Stack, service: str, headers: dict[str, str]) -> None:
    """Send ``case`` to ``service`` with ``headers``: anything but a 5xx is an answer."""
    response = case.call(
        base_url=f"http://127.0.0.1:{stack.ports[service]}", headers=headers, timeout=10
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:300]}"
    )
