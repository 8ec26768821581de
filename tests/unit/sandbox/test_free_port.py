"""``free_port`` hands out ports outside the ephemeral range, each once, never a bound one."""

from __future__ import annotations

import socket

import pytest

from sandbox import smtp


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    low, high = 23000, 23010
    monkeypatch.setenv("DUNWELL_PORT_POOL", f"{low}-{high}")
    monkeypatch.setattr(smtp, "_picked", [])
    return low, high


def test_ports_come_from_the_pool_in_turn_and_wrap_around(pool: tuple[int, int]) -> None:
    low, high = pool
    picks = [smtp.free_port() for _ in range(high - low + 1)]
    assert all(low <= port < high for port in picks)
    assert len(set(picks[:-1])) == high - low  # each once before any repeat
    assert picks[-1] == picks[0]


def test_a_port_something_listens_on_is_skipped(pool: tuple[int, int]) -> None:
    low, high = pool
    first = smtp.free_port()
    after = low + (first + 1 - low) % (high - low)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", after))
        sock.listen()
        assert smtp.free_port() == low + (after + 1 - low) % (high - low)


def test_the_default_pool_is_below_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUNWELL_PORT_POOL", raising=False)
    low, high = smtp.port_pool()
    assert (low >= 1024, high <= 32768) == (True, True)
