"""The contact strategy: declarative, versioned, validated at load, blind to who the borrower is.

A strategy reads a typed set of financial facts only. A strategy file that so much as mentions
a protected attribute (gender, age, occupation, ethnicity, …) is refused at load.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.case_events import CallTaskPurpose, QueueName
from shared.errors import ConfigurationError
from shared.events import Channel
from shared.protected import PROTECTED_PATTERN


class StrategyError(ConfigurationError):
    """The strategy file is refused; the message says where and why."""


class _Closed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RangeSpec(_Closed):
    id: str = Field(pattern=r"^[\w-]+$")
    classification: str = ""
    min_days: int = Field(ge=1)
    max_days: int | None = Field(default=None, ge=1)

    def contains(self, days: int) -> bool:
        return self.min_days <= days and (self.max_days is None or days <= self.max_days)


class AmountBand(_Closed):
    min: Decimal = Decimal(0)
    max: Decimal | None = None

    def contains(self, amount: Decimal) -> bool:
        return self.min <= amount and (self.max is None or amount < self.max)


class Step(_Closed):
    """One step of a rule: a message (template, channels) or a call (purpose, the agent team or
    dialler queue that makes it, and its SLA in business days)."""

    id: str = Field(pattern=r"^[\w-]+$")
    at_days: int = Field(ge=1)
    kind: Literal["message", "call"] = "message"
    template: str = ""
    channels: tuple[Channel, ...] = ()
    purpose: CallTaskPurpose = "collection"
    queue: QueueName | None = None
    sla_days: int = Field(default=1, ge=0, le=30)

    @model_validator(mode="after")
    def _complete(self) -> Step:
        if self.kind == "message" and (not self.template or not self.channels):
            raise ValueError(f"message step {self.id} needs a template and channels")
        if self.kind == "call" and (self.queue is None or self.template or self.channels):
            raise ValueError(f"call step {self.id} needs a queue and sends no message")
        return self


class Rule(_Closed):
    id: str = Field(pattern=r"^[\w-]+$")
    range: str
    amount_band: AmountBand = AmountBand()
    products: tuple[str, ...] = ("*",)
    steps: tuple[Step, ...] = Field(min_length=1)

    def applies(self, facts: Facts) -> bool:
        return (
            facts.range_id == self.range
            and self.amount_band.contains(facts.overdue_amount)
            and ("*" in self.products or facts.product in self.products)
        )


class PreDue(_Closed):
    id: str = Field(pattern=r"^[\w-]+$")
    days_before: int = Field(ge=0, le=30)
    template: str
    channels: tuple[Channel, ...] = Field(min_length=1)


#: No collection at night, field visits included: only 08:00-22:00 local time (compliance
#: reference CN-TIME-1: CBA-2026, GB/T 45251, NIFA-2024). Visiting hours must lie inside it.
VISITS_FROM: Final = time(8, 0)
VISITS_UNTIL: Final = time(22, 0)


class VisitingHours(_Closed):
    """When a field agent may meet a borrower, in the calendar's time zone, on business days."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    slot_minutes: int = Field(default=60, ge=15, le=240)

    @model_validator(mode="after")
    def _by_day(self) -> VisitingHours:
        if self.start < VISITS_FROM or self.end > VISITS_UNTIL:
            raise ValueError("visiting hours lie within 08:00-22:00 (CN-TIME-1)")
        last = datetime.combine(date.min, self.start) + timedelta(minutes=self.slot_minutes)
        if last.time() > self.end or last.date() != date.min:
            raise ValueError("a visit slot fits within the visiting hours")
        return self


class FieldVisit(_Closed):
    min_outstanding: Decimal = Field(gt=0)
    from_range: str
    days_ahead: int = Field(ge=1)
    template: str
    #: The message telling the borrower a visit is off (a cure, a write-off).
    cancel_template: str = "visit-cancel-v1"
    channels: tuple[Channel, ...] = Field(min_length=1)
    hours: VisitingHours = VisitingHours()
    plan_instalments: int = Field(default=6, ge=1, le=60)


class Strategy(_Closed):
    version: str
    pay_within_days: int = Field(default=7, ge=1)
    ranges: tuple[RangeSpec, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    pre_due: tuple[PreDue, ...] = ()
    field_visit: FieldVisit | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Strategy:
        check_ranges(self.ranges)
        known = {r.id for r in self.ranges}
        for rule in self.rules:
            if rule.range not in known:
                raise ValueError(f"rule {rule.id} refers to unknown range {rule.range}")
            if len({s.id for s in rule.steps}) != len(rule.steps):
                raise ValueError(f"rule {rule.id} has two steps with one id")
        if self.field_visit and self.field_visit.from_range not in known:
            raise ValueError(f"field_visit refers to unknown range {self.field_visit.from_range}")
        return self

    def range_for(self, days: int) -> RangeSpec | None:
        return next((r for r in self.ranges if r.contains(days)), None)

    def rank(self, range_id: str) -> int:
        return [r.id for r in self.ranges].index(range_id)


class Facts(BaseModel):
    """Everything a strategy may know about a loan: financial facts, nothing about the person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days_past_due: int
    range_id: str | None
    overdue_amount: Decimal
    outstanding_balance: Decimal
    product: str
    currency: str


def check_ranges(ranges: tuple[RangeSpec, ...]) -> None:
    """Fineract's rules: min ≤ max, no overlaps, only the last range open-ended."""
    ordered = sorted(ranges, key=lambda r: r.min_days)
    for previous, current in pairwise(ordered):
        if previous.max_days is None:
            raise ValueError(f"range {previous.id} is open-ended but is not the last")
        if current.min_days <= previous.max_days:
            raise ValueError(f"ranges {previous.id} and {current.id} overlap")
    for r in ordered:
        if r.max_days is not None and r.max_days < r.min_days:
            raise ValueError(f"range {r.id} ends before it starts")
    if len({r.id for r in ranges}) != len(ranges):
        raise ValueError("two ranges share an id")


def _walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}.{key}".lstrip("."), str(key)
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for n, item in enumerate(node):
            yield from _walk(item, f"{path}[{n}]")
    elif isinstance(node, str):
        yield path.lstrip("."), node


def refuse_protected(document: Any) -> None:
    """Refuse any key or value that names a protected attribute, saying where."""
    for where, text in _walk(document, ""):
        found = PROTECTED_PATTERN.search(text)
        if found:
            raise StrategyError(
                f"strategy refers to the protected attribute '{found.group(1)}' at {where}: "
                "collection decisions may use financial facts only"
            )


def load_strategy(text: str) -> Strategy:
    """Parse and validate a strategy YAML document (fairness first, then the schema)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise StrategyError(f"strategy is not valid YAML: {e}") from e
    refuse_protected(document)
    try:
        return Strategy.model_validate(document)
    except ValidationError as e:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'strategy'}: {err['msg']}"
            for err in e.errors()
        )
        raise StrategyError(f"strategy refused: {reasons}") from e
