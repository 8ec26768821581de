"""Policy packs: versioned YAML, every rule with its source and verification level.

A pack that does not validate is refused at load, so the gate fails closed. A bank's overlay pack
``extends`` a base pack and may tighten its rules, never relax them unless the base rule says
``overridable: true``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from services.notifier.domain.policy.scenario import GateChannel, HistoryKind, Role
from shared.calendars import CALENDARS_DIR, Calendar, load_calendars
from shared.errors import ConfigurationError
from shared.zones import TimeZoneName

PACKS_DIR = Path(__file__).resolve().parents[2] / "config" / "packs"
BUILTIN = ("cn", "us")

R = TypeVar("R")
Verification = Literal["primary", "secondary", "unverified", "policy", "mixed"]


class PackInvalid(Exception):
    """The pack cannot be used; nothing may be sent under it."""


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]+$")
    sources: list[str] = []
    verification: Verification
    overridable: bool = False
    note: str | None = None


class RecipientRule(_Rule):
    type: Literal["recipient"]
    allowed_roles: list[Role]
    #: Roles that may be contacted only to re-establish contact with a debtor who is lost.
    location_inquiry_roles: list[Role] = []
    allowed_provenance: list[str]
    #: Patterns of debt facts a location inquiry must never contain.
    debt_fact_patterns: list[str] = []
    #: Only contact points the bank has verified reach the person (never a stranger's number).
    require_verified: bool = False


class OptOutRule(_Rule):
    type: Literal["opt_out"]
    #: Reply keywords that opt a borrower out of the channel they came by.
    keywords: dict[GateChannel, list[str]] = {}


class ConsentRequiredRule(_Rule):
    type: Literal["consent_required"]
    channels: list[GateChannel]


class ContactWindowRule(_Rule):
    type: Literal["contact_window"]
    channels: list[GateChannel]
    start: time
    end: time
    start_inclusive: bool = True
    end_inclusive: bool = False
    consent_override: bool = True


class HolidayRule(_Rule):
    """The bank's holiday policy over an operator calendar (``shared/calendars``).

    On a holiday the message cap applies; on the calendar's no-contact days (and the extra
    ``no_contact_dates`` an overlay adds) nothing goes out. On a day the calendar does not know
    for certain (a provisional or missing year), the most restrictive day type applies: the
    holiday cap, and the no-contact days the statutory rules give. It never blocks.
    """

    type: Literal["holiday"]
    #: The calendar's id (``cn``: ``shared/calendars/cn.yaml`` or the calendars directory).
    calendar: str
    no_contact_dates: list[date] = []
    #: Messages per local calendar day on a statutory holiday (None: no extra cap).
    holiday_message_cap: int | None = None
    channels: list[GateChannel] = ["sms", "email", "wechat", "voice"]
    _bound: Calendar | None = PrivateAttr(default=None)

    @property
    def bound(self) -> Calendar:
        """The calendar data this rule reads; bound when the pack is loaded."""
        if self._bound is None:
            raise PackInvalid(f"rule {self.id}: calendar {self.calendar} is not loaded")
        return self._bound

    def bind(self, calendar: Calendar) -> None:
        self._bound = calendar


class CalendarDayWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["calendar_day"]


class RollingWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["rolling"]
    seconds: int = Field(gt=0)


class RollingDaysWindow(BaseModel):
    """N consecutive local calendar days, the day of the counted contact being day 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["rolling_calendar_days"]
    days: int = Field(gt=0)


Window = Annotated[
    CalendarDayWindow | RollingWindow | RollingDaysWindow, Field(discriminator="kind")
]


class FrequencyCapRule(_Rule):
    type: Literal["frequency_cap"]
    #: Channels of the contact being decided that this cap applies to.
    applies_to: list[GateChannel]
    #: Kinds of earlier contact that count, and on which channels (empty: all).
    counts: list[HistoryKind]
    count_channels: list[GateChannel] = []
    scope: Literal["debtor", "debt", "contact_point"]
    window: Window
    max: int = Field(ge=0)
    #: A valid consent on the channel exempts the contact from this cap.
    exempt_with_consent: bool = False


class BlackoutRule(_Rule):
    type: Literal["blackout_after"]
    trigger: HistoryKind
    applies_to: list[GateChannel]
    scope: Literal["debtor", "debt"]
    days: int = Field(gt=0)


class Element(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    patterns: list[str]
    #: Name of a value the notifier knows (e.g. the masked account) the text must contain.
    expected: str | None = None


class ContentRequiredRule(_Rule):
    type: Literal["content_required"]
    channels: list[GateChannel] = ["sms", "email", "wechat"]
    roles: list[Role]
    elements: dict[str, Element]


class ContentBannedRule(_Rule):
    type: Literal["content_banned"]
    terms: dict[str, list[str]]
    patterns: dict[str, list[str]] = {}
    #: Terms allowed only when the legal department attested the reference; otherwise ESCALATE.
    attestation_terms: list[str] = []


class PiiRule(_Rule):
    type: Literal["pii"]
    patterns: dict[str, str]


class LengthRule(_Rule):
    type: Literal["length"]
    channel: GateChannel
    max_segments: int = Field(gt=0)


Rule = Annotated[
    RecipientRule
    | OptOutRule
    | ConsentRequiredRule
    | ContactWindowRule
    | HolidayRule
    | FrequencyCapRule
    | BlackoutRule
    | ContentRequiredRule
    | ContentBannedRule
    | PiiRule
    | LengthRule,
    Field(discriminator="type"),
]


class Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    title: str
    verification: Verification


class PackHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    jurisdiction: str
    effective_from: date
    effective_to: date | None = None
    extends: str | None = None


class Pack(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: PackHeader
    sources: dict[str, Source] = {}
    default_timezone: TimeZoneName
    rules: list[Rule]
    digest: str = ""

    @model_validator(mode="after")
    def _lint(self) -> Pack:
        for problem in lint(self):
            raise ValueError(problem)
        return self

    @property
    def label(self) -> str:
        return f"{self.pack.id}@{self.pack.version}#{self.digest[:12]}"

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        """Every regular expression of the pack, compiled once."""
        return {p: re.compile(p) for p in _patterns(self)}

    def of_type(self, kind: type[R]) -> list[R]:
        return [r for r in self.rules if isinstance(r, kind)]


def _patterns(pack: Pack) -> list[str]:
    found: list[str] = []
    for rule in pack.rules:
        if isinstance(rule, RecipientRule):
            found += rule.debt_fact_patterns
        elif isinstance(rule, ContentRequiredRule):
            found += [p for e in rule.elements.values() for p in e.patterns]
        elif isinstance(rule, ContentBannedRule):
            found += [p for ps in rule.patterns.values() for p in ps]
        elif isinstance(rule, PiiRule):
            found += list(rule.patterns.values())
    return found


def lint(pack: Pack) -> list[str]:
    """Why the pack may not be used (empty when it may)."""
    problems: list[str] = []
    ids = [r.id for r in pack.rules]
    problems += [f"rule {i} is defined twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for rule in pack.rules:
        if rule.verification != "policy" and not rule.sources:
            problems.append(f"rule {rule.id} has no source (only 'policy' rules may have none)")
        problems += [
            f"rule {rule.id} cites unknown source {s}"
            for s in rule.sources
            if s not in pack.sources
        ]
    for pattern in _patterns(pack):
        try:
            re.compile(pattern)
        except re.error as e:
            problems.append(f"bad pattern {pattern!r}: {e}")
    return problems


def _tightens(base: Any, new: Any) -> bool:
    """Whether ``new`` is at least as strict as ``base`` (same rule id)."""
    if type(base) is not type(new):
        return False
    if isinstance(base, ContactWindowRule):
        return bool(
            set(new.channels) >= set(base.channels)
            and new.start >= base.start
            and new.end <= base.end
        )
    if isinstance(base, FrequencyCapRule):
        return bool(new.max <= base.max and new.window == base.window)
    if isinstance(base, ContentBannedRule):
        return all(set(new.terms.get(k, [])) >= set(v) for k, v in base.terms.items())
    if isinstance(base, HolidayRule):
        return _holiday_tightens(base, new)
    return bool(base == new)


def _holiday_tightens(base: HolidayRule, new: HolidayRule) -> bool:
    """An overlay may add no-contact days and channels, and lower the holiday cap."""
    capped = base.holiday_message_cap is None or (
        new.holiday_message_cap is not None and new.holiday_message_cap <= base.holiday_message_cap
    )
    return bool(
        new.calendar == base.calendar
        and set(new.no_contact_dates) >= set(base.no_contact_dates)
        and set(new.channels) >= set(base.channels)
        and capped
    )


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    base_rules = {r["id"]: r for r in base.get("rules", [])}
    merged = dict(base_rules)
    for rule in overlay.get("rules", []):
        merged[rule["id"]] = rule
    result = {**base, **{k: v for k, v in overlay.items() if k != "rules"}}
    result["sources"] = {**base.get("sources", {}), **overlay.get("sources", {})}
    result["rules"] = list(merged.values())
    return result


def load_pack(name_or_path: str, calendars_dir: Path = CALENDARS_DIR) -> Pack:
    """A built-in pack (``cn``, ``us``) or a YAML file, its holiday rules bound to the calendars
    in ``calendars_dir``; :class:`PackInvalid` if unusable."""
    pack = _load(name_or_path)
    try:
        calendars = load_calendars(calendars_dir)
    except ConfigurationError as e:
        raise PackInvalid(f"pack {name_or_path}: {e}") from e
    for rule in pack.of_type(HolidayRule):
        calendar = calendars.get(rule.calendar)
        if calendar is None:
            raise PackInvalid(f"rule {rule.id}: no calendar {rule.calendar} in {calendars_dir}")
        rule.bind(calendar)
    return pack


def _load(name_or_path: str) -> Pack:
    path = PACKS_DIR / f"{name_or_path}.yaml" if name_or_path in BUILTIN else Path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PackInvalid(f"cannot read pack {name_or_path}: {e}") from e
    if not isinstance(raw, dict):
        raise PackInvalid(f"pack {name_or_path} is not a mapping")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    base_name = (raw.get("pack") or {}).get("extends")
    if base_name:
        base = _load(base_name)
        _check_overlay(base, raw)
        raw = _merge(base.model_dump(mode="json", exclude={"digest"}), raw)
    try:
        return Pack.model_validate({**raw, "digest": digest})
    except ValidationError as e:
        raise PackInvalid(f"pack {name_or_path} is invalid: {e}") from e


def _check_overlay(base: Pack, overlay: dict[str, Any]) -> None:
    by_id = {r.id: r for r in base.rules}
    adapter: TypeAdapter[list[Rule]] = TypeAdapter(list[Rule])
    for raw_rule in overlay.get("rules", []):
        old = by_id.get(raw_rule.get("id"))
        if old is None or old.overridable:
            continue
        try:
            new = adapter.validate_python([raw_rule])[0]
        except ValidationError as e:
            raise PackInvalid(f"overlay rule {raw_rule.get('id')} is invalid: {e}") from e
        if not _tightens(old, new):
            raise PackInvalid(f"overlay relaxes rule {old.id}, which is not overridable")
