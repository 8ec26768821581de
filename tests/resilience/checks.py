"""The end of every fault-injection run: nothing lost, nothing doubled, nothing hidden.

- The scheduler published exactly the requests the pure planner calls for (each request id at
  least once on the topic, no other ids, one request per loan step).
- Every (request, channel) has an outcome recorded by the notifier: sent, blocked, deferred,
  escalated, failed or uncertain. None is silently dropped.
- At the providers (SMS, WeChat) and the SMTP server, each (request, channel) arrived at most
  once, identified by its verification code. Every arrival is recorded as sent or uncertain,
  and every "sent" arrived.
- No borrower received more messages than the policy pack's per-debtor caps allow (the run
  lasts minutes of the gate's clock, inside every cap's window), whatever was killed.
- Every interaction the notifier recorded is in the audit log exactly once, and the log's
  self-check (Merkle tree, signed checkpoints, witness) finds nothing.
- A send reconciled as not sent never arrived; the share of sends left uncertain is reported
  (the faults scenario holds it to at most 1 %).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sandbox.arrivals import arrivals
from sandbox.loanbook import Item
from sandbox.reference import expected_requests
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.sql import SqlAuditStore
from services.audit.bootstrap import published_keys, signer_for
from services.audit.domain.keys import verifier_keys
from services.audit.handlers.selfcheck import self_check
from services.audit.settings import Settings as AuditSettings
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import FrequencyCapRule
from services.notifier.domain.sends import verification_code
from shared.database import create_engine
from shared.events import Channel, ContactRequested, Event, InteractionRecorded, decode
from tests.resilience.harness import Run
from tests.support.kafka import read_topic

SECRET = b"local-development-only"  # the notifier's default verification key
OUTCOMES = frozenset(
    {
        "message_sent",
        "send_blocked",
        "send_deferred",
        "send_escalated",
        "send_failed",
        "send_uncertain",
        "send_not_sent",
        "send_withdrawn",
        "send_held",
    }
)
Pair = tuple[str, str]  # (request id, channel)


@dataclass
class Verdict:
    """What a run's evidence shows; ``problems()`` is empty when every promise held."""

    expected_requests: int = 0
    requests: int = 0
    pairs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    #: Outcomes by channel, to tell where uncertain sends come from.
    by_channel: Counter[str] = field(default_factory=Counter)
    #: Sends uncertain at first that the reconciler later found sent or not sent.
    reconciled: int = 0
    arrivals: int = 0
    interactions: int = 0
    audited: int = 0
    missing_requests: list[str] = field(default_factory=list)
    unexpected_requests: list[str] = field(default_factory=list)
    doubled_steps: list[str] = field(default_factory=list)
    without_outcome: list[Pair] = field(default_factory=list)
    doubled: list[Pair] = field(default_factory=list)
    hidden: list[Pair] = field(default_factory=list)
    sent_not_arrived: list[Pair] = field(default_factory=list)
    not_sent_arrived: list[Pair] = field(default_factory=list)
    strays: list[tuple[str, str]] = field(default_factory=list)
    over_cap: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    audited_twice: list[str] = field(default_factory=list)
    self_check: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found: dict[str, Sequence[object]] = {
            "requests the planner calls for but the scheduler never published": (
                self.missing_requests
            ),
            "requests the planner does not call for": self.unexpected_requests,
            "two requests for one loan step": self.doubled_steps,
            "(request, channel) with no outcome (lost)": self.without_outcome,
            "(request, channel) that reached a borrower twice": self.doubled,
            "arrivals recorded neither as sent nor as uncertain (hidden)": self.hidden,
            "recorded as sent but never arrived": self.sent_not_arrived,
            "reconciled as not sent but arrived": self.not_sent_arrived,
            "arrivals that match no request": self.strays,
            "borrowers contacted over a cap": self.over_cap,
            "interactions missing from the audit log": self.unaudited,
            "interactions in the audit log twice": self.audited_twice,
            "audit self-check findings": self.self_check,
        }
        return [f"{what}: {items[:5]} ({len(items)})" for what, items in found.items() if items]

    def complete(self) -> bool:
        """Whether the system has finished working on the book (not yet whether it is right)."""
        return not (self.missing_requests or self.without_outcome or self.unaudited)

    def attempted(self) -> int:
        """Sends handed to a provider: sent, uncertain, refused, or reconciled as not sent."""
        kinds = ("message_sent", "send_uncertain", "send_failed", "send_not_sent")
        return sum(self.outcomes[k] for k in kinds)

    def uncertain_share(self) -> float:
        """The share of attempted sends whose outcome is still uncertain."""
        return self.outcomes["send_uncertain"] / max(self.attempted(), 1)

    def summary(self) -> dict[str, object]:
        return {
            "expected_requests": self.expected_requests,
            "requests": self.requests,
            "pairs": self.pairs,
            "outcomes": dict(self.outcomes),
            "by_channel": dict(sorted(self.by_channel.items())),
            "attempted": self.attempted(),
            "reconciled": self.reconciled,
            "uncertain_pct": round(100 * self.uncertain_share(), 2),
            "arrivals": self.arrivals,
            "interactions": self.interactions,
            "audited": self.audited,
        }


async def gather(run: Run, items: list[Item], *, self_checked: bool = False) -> Verdict:
    """Read the topics, the providers, the inbox and the audit store, and judge them."""
    verdict = Verdict()
    expected = expected_requests(items)
    verdict.expected_requests = len(expected)
    requests = await _events(run, run.kafka.topics.contact_requests, ContactRequested)
    verdict.requests = len(requests)
    verdict.missing_requests = sorted(expected - requests.keys())
    verdict.unexpected_requests = sorted(requests.keys() - expected)
    steps = Counter((r.loan_id, r.episode, r.step) for r in requests.values())
    verdict.doubled_steps = [str(s) for s, n in steps.items() if n > 1]

    interactions = await _events(run, run.kafka.topics.interactions, InteractionRecorded)
    verdict.interactions = len(interactions)
    kinds: defaultdict[Pair, set[str]] = defaultdict(set)
    for interaction in interactions.values():
        if interaction.request_id:
            kinds[(interaction.request_id, interaction.channel)].add(interaction.kind)
    seen = arrivals(run.providers, run.inbox)
    verdict.arrivals = sum(seen.values())
    debtors: dict[tuple[str, str], str] = {}
    for request in requests.values():
        for channel in request.channels:
            pair, code = (request.event_id, channel), (channel, _code(request, channel))
            debtors[code] = request.debtor_id
            _judge(verdict, pair, kinds[pair], seen[code])
    verdict.strays = sorted(key for key in seen if key not in debtors)
    verdict.over_cap = _over_cap(seen, debtors)

    leaves = await _audited(run)
    verdict.audited = sum(leaves.values())
    verdict.unaudited = sorted(interactions.keys() - leaves.keys())
    verdict.audited_twice = sorted(k for k, n in leaves.items() if n > 1)
    if self_checked:
        verdict.self_check = await _self_check(run)
    return verdict


def _code(request: ContactRequested, channel: Channel) -> str:
    return verification_code(SECRET, request.event_id, channel)


def _judge(verdict: Verdict, pair: Pair, kinds: set[str], arrived: int) -> None:
    verdict.pairs += 1
    outcome = _final(kinds)
    verdict.outcomes[outcome or "none"] += 1
    verdict.by_channel[f"{pair[1]}:{outcome or 'none'}"] += 1
    if "send_uncertain" in kinds and outcome in ("message_sent", "send_not_sent"):
        verdict.reconciled += 1
    if "send_not_sent" in kinds and arrived:
        verdict.not_sent_arrived.append(pair)
    if outcome is None:
        verdict.without_outcome.append(pair)
    if arrived > 1:
        verdict.doubled.append(pair)
    if arrived and not kinds & {"message_sent", "send_uncertain"}:
        verdict.hidden.append(pair)
    if "message_sent" in kinds and not arrived:
        verdict.sent_not_arrived.append(pair)


def _over_cap(seen: Counter[tuple[str, str]], debtors: dict[tuple[str, str], str]) -> list[str]:
    """Borrowers who received more than a per-debtor message cap of the default pack allows."""
    received: Counter[tuple[str, str]] = Counter()
    for (channel, code), count in seen.items():
        if (channel, code) in debtors:
            received[(debtors[(channel, code)], channel)] += count
    found = []
    for rule in load_pack("cn").rules:
        if not (
            isinstance(rule, FrequencyCapRule)
            and rule.scope == "debtor"
            and "message_sent" in rule.counts
        ):
            continue
        channels = set(rule.count_channels or rule.applies_to)
        per_debtor: Counter[str] = Counter()
        for (debtor, channel), count in received.items():
            if channel in channels:
                per_debtor[debtor] += count
        found += [f"{d}: {n} > {rule.id} {rule.max}" for d, n in per_debtor.items() if n > rule.max]
    return found


def _final(kinds: set[str]) -> str | None:
    """The outcome that settles a pair: a send beats a deferral made before it, and an uncertain
    send's reconciliation (sent, not sent) beats its uncertainty."""
    settling = (
        "message_sent",
        "send_not_sent",
        "send_uncertain",
        "send_failed",
        "send_blocked",
        "send_withdrawn",
    )
    for kind in settling:
        if kind in kinds:
            return kind
    return next((k for k in sorted(kinds) if k in OUTCOMES), None)


E = TypeVar("E", bound=Event)


async def _events(run: Run, topic: str, kind: type[E]) -> dict[str, E]:
    """Every distinct event of type ``kind`` on ``topic``, by event id (redeliveries once)."""
    found: dict[str, E] = {}
    for record in await read_topic(run.kafka, topic):
        event = decode(record.value, list(record.headers))
        if isinstance(event, kind):
            found[event.event_id] = event
    return found


async def _audited(run: Run) -> Counter[str]:
    """How many times each event id is in the audit log."""
    store = SqlAuditStore(create_engine(run.database_url("audit")))
    try:
        rows = await store.leaves_between(0, await store.size())
    finally:
        await store.close()
    return Counter(row.event_id for row in rows)


async def _self_check(run: Run) -> list[str]:
    settings = AuditSettings(database_url=run.database_url("audit"))
    store = SqlAuditStore(create_engine(settings.database_url))
    try:
        keys = verifier_keys(published_keys(settings, signer_for(settings)))
        witness_path = run.stack.config.env("audit")["DUNWELL_AUDIT_WITNESS_PATH"]
        findings = await self_check(store, keys, FileWitness(Path(witness_path)))
    finally:
        await store.close()
    return [str(f) for f in findings]
