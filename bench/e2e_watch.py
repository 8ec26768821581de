"""Watching a running stack through an end-to-end run: when each phase took its first and
its last record (from the services' own ``/metrics``), and each process's CPU."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from tqdm import tqdm

from sandbox.stack import Stack
from shared.topics import Topics

#: How often the services' counters are read (each read costs a service one /metrics page).
POLL_S = 0.2
#: The audit phase is done when every interaction the notifier published has been audited
#: and nothing more was published for this long (receipts make interactions after the send).
QUIET_S = 2.0


#: A counter on a process's /metrics page: (process, counter, labels), its samples summed.
Count = tuple[str, str, dict[str, str]]


@dataclass
class Phase:
    """One service's share of the book: ``total`` records of ``topic`` taken by ``process``
    (or, with ``counted``, that counter's count).

    ``total`` None: as many as the ``follows`` counters add up to (the audit of the
    interactions the notifier published); such a phase is done once every phase before it
    is, its count has reached that sum and has not moved for ``QUIET_S``."""

    name: str
    process: str
    topic: str
    total: float | None
    follows: tuple[Count, ...] = ()
    counted: Count | None = None
    first: float | None = None
    done: float | None = None
    count: float = 0.0
    target: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.target = self.total or 0.0


def book_phases(topics: Topics, customers: int, loans: int, requests: int) -> list[Phase]:
    """What the stack must take off the broker: the directory and the book side by side, then
    every delivery receipt for the texts sent, then every interaction audited."""
    sent = {"outcome": "sent"}
    texts = tuple(
        ("notifier", "notifier_messages", {"channel": c, **sent}) for c in ("sms", "wechat")
    )
    return [
        Phase("directory", "notifier", topics.customer_events, customers),
        Phase("scheduler", "scheduler", topics.loan_events, loans),
        Phase("notifier", "notifier", topics.contact_requests, requests),
        Phase(
            "receipts",
            "notifier",
            "",
            None,
            follows=texts,
            counted=("notifier", "notifier_callbacks", {"result": "accepted"}),
        ),
        Phase(
            "audit",
            "audit",
            topics.interactions,
            None,
            follows=(("notifier", "dunwell_events_published", {"topic": topics.interactions}),),
        ),
    ]


async def _read(stack: Stack, phase: Phase) -> None:
    """A phase's count and target now (left as they were while its process starts up)."""
    if stack.processes[phase.process].poll() is not None:
        raise RuntimeError(f"{phase.process} exited during the run")
    try:
        if phase.counted is None:
            phase.count = await stack.consumed(phase.process, phase.topic)
        else:
            phase.count = await stack.counted(
                phase.counted[0], phase.counted[1], **phase.counted[2]
            )
        if phase.follows:
            found = [
                await stack.counted(p, counter, **labels) for p, counter, labels in phase.follows
            ]
            phase.target = sum(found)
    except (aiohttp.ClientError, TimeoutError):
        pass


def _settled(phase: Phase, now: float, earlier_done: bool, last_change: float) -> bool:
    if not phase.follows:
        return phase.count >= phase.target > 0
    return earlier_done and phase.count >= phase.target > 0 and now - last_change >= QUIET_S


async def watch(stack: Stack, phases: list[Phase], timeout_s: float = 1800) -> None:
    """Poll until every phase is done; each phase's ``first`` and ``done`` are monotonic
    instants (``done``: when its count first reached its final value)."""
    deadline = time.monotonic() + timeout_s
    last_change: dict[str, float] = {p.name: time.monotonic() for p in phases}
    total = sum(p.total or 0 for p in phases)
    with tqdm(total=int(total), desc="e2e: the book through the stack", unit="rec") as bar:
        while any(p.done is None for p in phases):
            before = {p.name: p.count for p in phases}
            await asyncio.gather(*(_read(stack, p) for p in phases))
            now = time.monotonic()
            for p in phases:
                if p.count != before[p.name]:
                    last_change[p.name] = now
                if p.first is None and p.count > 0:
                    p.first = now
            for n, p in enumerate(phases):
                earlier = all(q.done is not None for q in phases[:n])
                if p.done is None and _settled(p, now, earlier, last_change[p.name]):
                    p.done = last_change[p.name] if p.follows else now
            bar.update(int(sum(p.count for p in phases if p.total)) - bar.n)
            if now > deadline:
                raise TimeoutError(", ".join(f"{p.name} {p.count} of {p.target}" for p in phases))
            await asyncio.sleep(POLL_S)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stack_cpu(stack: Stack) -> dict[str, float]:
    """Each running process's CPU seconds."""
    found: dict[str, float] = {}
    for name, process in stack.processes.items():
        if process.poll() is None:
            found[name] = round(cpu_seconds(process.pid), 1)
    return found


def load_average() -> float:
    """The machine's 1-minute load average (how shared it was)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


async def outcomes(stack: Stack) -> dict[str, int]:
    """The notifier's sends by outcome (sent, blocked, deferred, ...), from its /metrics."""
    url = f"http://127.0.0.1:{stack.ports['notifier']}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
    found: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "notifier_messages":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.value:
                    outcome = sample.labels["outcome"]
                    found[outcome] = found.get(outcome, 0) + int(sample.value)
        if family.name == "notifier_gate_rule_hits":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.value:
                    rule = "rule " + sample.labels["rule"]
                    found[rule] = found.get(rule, 0) + int(sample.value)
    return found
