"""Policy packs: versioned rule sets, linted when built, so the gate fails closed.

A pack that does not validate is refused at load (:mod:`.loading`); a bank's overlay pack
``extends`` a base pack and may tighten its rules, never relax them (:mod:`.overlay`).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.notifier.domain.policy.rules import (
    ContentBannedRule,
    ContentRequiredRule,
    PiiRule,
    RecipientRule,
    Rule,
    Verification,
)
from shared.zones import TimeZoneName

R = TypeVar("R")


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

    @cached_property
    def _of_type(self) -> dict[type, list[Any]]:
        """The rules of each type asked for, in pack order: looked up once (the pack is frozen)."""
        return {}

    def of_type(self, kind: type[R]) -> list[R]:
        found = self._of_type.get(kind)
        if found is None:
            found = self._of_type[kind] = [r for r in self.rules if isinstance(r, kind)]
        return list(found)


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
