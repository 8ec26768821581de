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

from sandbox.providers.core import RETRY_PAUSES_S
from sandbox.stack import Stack
from shared.topics import Topics

#: How often the services' counters are read (each read costs each process one /metrics page).
POLL_S = 0.2
#: The audit phase is done when every interaction the notifier published has been audited
#: and nothing more was published for this long (receipts make interactions after the send).
QUIET_S = 2.0
#: A receipt the sandbox stopped retrying (its last attempt answered 503 or timed out) never
#: comes: the receipts phase is over once nothing has moved for longer than the sandbox's
#: whole retry schedule (each attempt may wait out its 5 s timeout), and the missing are counted.
GIVE_UP_S = sum(RETRY_PAUSES_S) + 5.0 * len(RETRY_PAUSES_S)


#: A counter on a service's /metrics pages: (service, counter, labels), its samples summed over
#: the service's processes (``notifier``, ``notifier-2``, ...).
Count = tuple[str, str, dict[str, str]]
#: One poll's counters: by service, (sample name, labels, value) of every process of it.
Scrape = dict[str, list[tuple[str, dict[str, str], float]]]


@dataclass
class Phase:
    """One service's share of the book: ``total`` records of ``topic`` taken by ``process``
    (or, with ``counted``, that counter's count).

    ``total`` None: as many as the ``follows`` counters add up to (the audit of the
    interactions the notifier published); such a phase is done once every phase before it
    is, its count has reached that sum and has not moved for ``QUIET_S`` (or, ``may_miss``,
    has not moved for ``GIVE_UP_S`` short of it: what is missing is then counted)."""

    name: str
    process: str
    topic: str
    total: float | None
    follows: tuple[Count, ...] = ()
    counted: Count | None = None
    may_miss: bool = False
    first: float | None = None
    done: float | None = None
    count: float = 0.0
    target: float = field(default=0.0)
    #: Each process's CPU seconds when the phase was seen done.
    cpu: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.target = self.total or 0.0

    @property
    def counts(self) -> Count:
        """What this phase's count is."""
        return self.counted or (
            self.process,
            "dunwell_events_consumed",
            {"topic": self.topic, "outcome": "processed"},
        )

    @property
    def missing(self) -> float:
        return max(self.target - self.count, 0.0)


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
            may_miss=True,
        ),
        Phase(
            "audit",
            "audit",
            topics.interactions,
            None,
            follows=(("notifier", "dunwell_events_published", {"topic": topics.interactions}),),
        ),
    ]


def processes_of(stack: Stack, service: str) -> list[str]:
    """The names of a service's processes in the stack (``scheduler``, ``scheduler-2``, ...)."""
    return [n for n in stack.processes if n == service or n.startswith(f"{service}-")]


def counters_of(text: str, counters: set[str]) -> list[tuple[str, dict[str, str], float]]:
    """The ``_total`` samples of ``counters`` on one /metrics page (the other lines, most of
    the page, are not parsed)."""
    wanted = tuple(f"{c}_total" for c in counters)
    lines = "\n".join(line for line in text.splitlines() if line.startswith(wanted))
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(lines)
        for s in family.samples
        if s.name.endswith("_total")
    ]


async def scrape(session: aiohttp.ClientSession, stack: Stack, phases: list[Phase]) -> Scrape:
    """Every process's page once: the counters the phases read, by service."""
    wanted: dict[str, set[str]] = {}
    for count in (c for p in phases for c in (p.counts, *p.follows)):
        wanted.setdefault(count[0], set()).add(count[1])

    async def page(name: str, counters: set[str]) -> list[tuple[str, dict[str, str], float]]:
        if stack.processes[name].poll() is not None:
            raise RuntimeError(f"{name} exited during the run")
        url = f"http://127.0.0.1:{stack.ports[name]}/metrics"
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
            return counters_of(await response.text(), counters)

    names = [(s, n) for s in wanted for n in processes_of(stack, s)]
    pages = await asyncio.gather(*(page(n, wanted[s]) for s, n in names))
    found: Scrape = {s: [] for s in wanted}
    for (service, _), samples in zip(names, pages, strict=True):
        found[service].extend(samples)
    return found


def total(found: Scrape, count: Count) -> float:
    """A counter's samples carrying its labels, summed over the service's processes."""
    service, counter, labels = count
    return sum(
        value
        for name, have, value in found.get(service, [])
        if name == f"{counter}_total" and all(have.get(k) == v for k, v in labels.items())
    )


def _settled(phase: Phase, now: float, earlier_done: bool, last_change: float) -> bool:
    if not phase.follows:
        return phase.count >= phase.target > 0
    quiet = now - last_change
    if not earlier_done or phase.target <= 0:
        return False
    return (phase.count >= phase.target and quiet >= QUIET_S) or (
        phase.may_miss and quiet >= GIVE_UP_S
    )


def take_counts(
    phases: list[Phase], found: Scrape, now: float, last_change: dict[str, float]
) -> None:
    """One poll's counts into the phases: firsts, last changes, the phases now done."""
    for p in phases:
        count = total(found, p.counts)
        if p.follows:
            p.target = sum(total(found, c) for c in p.follows)
        if count != p.count:
            last_change[p.name] = now
        p.count = count
        if p.first is None and p.count > 0:
            p.first = now
    for n, p in enumerate(phases):
        earlier = all(q.done is not None for q in phases[:n])
        if p.done is None and _settled(p, now, earlier, last_change[p.name]):
            p.done = last_change[p.name] if p.follows else now


async def watch(stack: Stack, phases: list[Phase], timeout_s: float = 1800) -> None:
    """Poll until every phase is done; each phase's ``first`` and ``done`` are monotonic
    instants (``done``: when its count first reached its final value)."""
    deadline = time.monotonic() + timeout_s
    last_change: dict[str, float] = {p.name: time.monotonic() for p in phases}
    records = sum(p.total or 0 for p in phases)
    async with aiohttp.ClientSession() as session:
        with tqdm(total=int(records), desc="e2e: the book through the stack", unit="rec") as bar:
            while any(p.done is None for p in phases):
                try:
                    found = await scrape(session, stack, phases)
                except (aiohttp.ClientError, TimeoutError):
                    found = None  # a process still starting: its counts stay as they were
                now = time.monotonic()
                if found is not None:
                    take_counts(phases, found, now, last_change)
                for p in phases:
                    if p.done is not None and not p.cpu:
                        p.cpu = stack_cpu(stack)
                bar.update(int(sum(p.count for p in phases if p.total)) - bar.n)
                if now > deadline:
                    raise TimeoutError(
                        ", ".join(f"{p.name} {p.count} of {p.target}" for p in phases)
                    )
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
    """The notifier's sends by outcome (sent, blocked, deferred, ...), and its gate's rule hits,
    from the /metrics of every notifier process."""
    counters = {"notifier_messages": "outcome", "notifier_gate_rule_hits": "rule"}
    found: dict[str, int] = {}
    async with aiohttp.ClientSession() as session:
        for name in processes_of(stack, "notifier"):
            url = f"http://127.0.0.1:{stack.ports[name]}/metrics"
            async with session.get(url) as response:
                samples = counters_of(await response.text(), set(counters))
            for sample, labels, value in samples:
                label = counters[sample.removesuffix("_total")]
                key = labels[label] if label == "outcome" else f"rule {labels[label]}"
                if value:
                    found[key] = found.get(key, 0) + int(value)
    return found


async def sent_by_process(stack: Stack) -> dict[str, int]:
    """How many sends each notifier process made (how the work was shared)."""
    found: dict[str, int] = {}
    async with aiohttp.ClientSession() as session:
        for name in processes_of(stack, "notifier"):
            url = f"http://127.0.0.1:{stack.ports[name]}/metrics"
            async with session.get(url) as response:
                samples = counters_of(await response.text(), {"notifier_messages"})
            found[name] = int(sum(v for _, labels, v in samples if labels["outcome"] == "sent"))
    return found
