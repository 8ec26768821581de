"""Evaluate a scenario against one or more packs. Pure: the same scenario gives the same decision.

Order (compliance reference §6.4): eligibility (recipient, provenance, opt-out, consent), the
calendar, content; then the time rules (contact window, no-contact days, caps, blackouts), for
which the engine searches the earliest instant at which every time rule of every pack passes.
When packs combine, every rule of every pack applies, so the most restrictive wins: windows
intersect, the lowest cap binds, banned content is the union. Severity: BLOCK > ESCALATE > DEFER >
ALLOW; a decision lists every rule that fired.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.rules import (
    BlackoutRule,
    ConsentRequiredRule,
    ContactWindowRule,
    DebtHoldRule,
    FrequencyCapRule,
    HolidayRule,
    OptOutRule,
    RecipientRule,
)
from services.notifier.domain.policy.rules_content import content_results
from services.notifier.domain.policy.scenario import (
    SEVERITY,
    Decision,
    Outcome,
    RuleResult,
    Scenario,
)
from services.notifier.domain.policy.timing import TimeRule, time_results

#: Beyond this, a deferral is not a deferral: the gate blocks (fail closed) and a human looks.
SEARCH_HORIZON = timedelta(days=45)
MAX_STEPS = 200


def evaluate(
    packs: Sequence[Pack], scenario: Scenario, lifted: frozenset[str] = frozenset()
) -> Decision:
    """The gate's decision for ``scenario`` under every pack in ``packs`` at once.

    :param lifted: rules whose escalation a person approved for this send: they allow it (with
        a note saying so) instead of escalating; every other rule, and every other outcome of
        these rules (a block, a deferral), applies as ever.
    """
    labels = [p.label for p in packs] + _calendar_labels(packs)
    if not packs:
        return Decision(outcome=Outcome.BLOCK, reasons=["no policy pack loaded"], packs=labels)
    results = [r for pack in packs for r in _static_results(pack, scenario)]
    results += [r for pack in packs for r in content_results(pack, scenario)]
    time_rules = [r for pack in packs for r in _time_rules(pack)]
    fired_now = time_results(time_rules, scenario, scenario.now)
    until: datetime | None = None
    if fired_now:
        results += [RuleResult(f.rule_id, Outcome.DEFER, f.reason) for f in fired_now]
        until, problem = _earliest_allowed(time_rules, scenario)
        if problem:
            results.append(problem)
    if until is not None:
        until = until.astimezone(scenario.now.tzinfo)
    return _combine([_lift(r, lifted) for r in results], until, labels)


def _lift(result: RuleResult, lifted: frozenset[str]) -> RuleResult:
    if result.outcome is not Outcome.ESCALATE or result.rule_id not in lifted:
        return result
    return RuleResult(result.rule_id, Outcome.ALLOW, f"escalation approved: {result.reason}")


def _calendar_labels(packs: Sequence[Pack]) -> list[str]:
    return sorted({r.bound.label for p in packs for r in p.of_type(HolidayRule)})


def _combine(results: list[RuleResult], until: datetime | None, labels: list[str]) -> Decision:
    """The most severe outcome; ``rules`` names the rules that stopped or put off the send, and
    ``reasons`` also carries notes that allowed it with a caveat (a provisional calendar)."""
    outcome = max((r.outcome for r in results), key=SEVERITY.__getitem__, default=Outcome.ALLOW)
    return Decision(
        outcome=outcome,
        until=until if outcome is Outcome.DEFER else None,
        rules=list(dict.fromkeys(r.rule_id for r in results if r.outcome is not Outcome.ALLOW)),
        reasons=list(dict.fromkeys(f"{r.rule_id}: {r.reason}" for r in results)),
        packs=labels,
    )


def _earliest_allowed(
    rules: list[TimeRule], scenario: Scenario
) -> tuple[datetime | None, RuleResult | None]:
    at = scenario.now
    for _ in range(MAX_STEPS):
        fired = time_results(rules, scenario, at)
        if not fired:
            return at, None
        blocked = [f for f in fired if f.clear_at is None]
        if blocked:
            f = blocked[0]
            return None, RuleResult(f.rule_id, Outcome.BLOCK, f.reason)
        at = max(f.clear_at for f in fired if f.clear_at is not None)
        if at - scenario.now > SEARCH_HORIZON:
            break
    return None, RuleResult(
        "GATE-HORIZON", Outcome.BLOCK, f"no permitted time within {SEARCH_HORIZON.days} days"
    )


def _valid_consent(scenario: Scenario, at: datetime | None = None) -> bool:
    moment = at or scenario.now
    return any(c.channel == scenario.channel and c.until > moment for c in scenario.consents)


def _static_results(pack: Pack, scenario: Scenario) -> Iterable[RuleResult]:
    day = scenario.now.astimezone(ZoneInfo(pack.default_timezone)).date()
    if day < pack.pack.effective_from or (pack.pack.effective_to and day > pack.pack.effective_to):
        yield RuleResult(f"PACK-{pack.pack.id}", Outcome.BLOCK, "the pack is not in force today")
    for rule in pack.of_type(RecipientRule):
        yield from _recipient(rule, scenario)
    for opt_out in pack.of_type(OptOutRule):
        if scenario.channel in scenario.opt_outs:
            yield RuleResult(
                opt_out.id, Outcome.BLOCK, f"the borrower opted out of {scenario.channel}"
            )
    for consent in pack.of_type(ConsentRequiredRule):
        if scenario.channel in consent.channels and not _valid_consent(scenario):
            yield RuleResult(
                consent.id, Outcome.BLOCK, f"{scenario.channel} needs prior express consent"
            )
    for holiday in pack.of_type(HolidayRule):
        yield from _calendar_covered(holiday, scenario)
    for held in pack.of_type(DebtHoldRule):
        yield from _held(held, scenario)


def _held(rule: DebtHoldRule, scenario: Scenario) -> Iterable[RuleResult]:
    """Every dispute or complaint open on this debt stops the contact, naming the dispute."""
    for hold in scenario.holds:
        if hold.debt_id == scenario.debt_id and hold.category in rule.categories:
            yield RuleResult(
                rule.id,
                Outcome.BLOCK,
                f"the debt is under {hold.category} {hold.dispute_id}, held until it is resolved",
            )


def _recipient(rule: RecipientRule, scenario: Scenario) -> Iterable[RuleResult]:
    role, provenance = scenario.recipient.role, scenario.recipient.provenance
    if provenance not in rule.allowed_provenance:
        yield RuleResult(rule.id, Outcome.BLOCK, f"contact point obtained by '{provenance}'")
    if rule.require_verified and not scenario.recipient.verified:
        yield RuleResult(rule.id, Outcome.BLOCK, "contact point not verified")
    if role in rule.allowed_roles:
        return
    if role in rule.location_inquiry_roles and scenario.debtor.state == "lost_contact":
        yield RuleResult(
            rule.id, Outcome.ESCALATE, f"role '{role}' may only help re-establish contact"
        )
        return
    yield RuleResult(rule.id, Outcome.BLOCK, f"role '{role}' may not be contacted about the debt")


def _calendar_covered(rule: HolidayRule, scenario: Scenario) -> Iterable[RuleResult]:
    """A note (never a block) when the calendar does not know the debtor's day for certain."""
    calendar = rule.bound
    for zone in scenario.debtor.timezones:
        day = scenario.now.astimezone(ZoneInfo(zone)).date()
        coverage = calendar.coverage(day)
        if coverage == "official":
            continue
        held = "no data" if coverage == "missing" else "provisional data"
        reason = (
            f"the {calendar.id} calendar has {held} for {day.year}: holiday policy and "
            "statutory no-contact days applied"
        )
        yield RuleResult(rule.id, Outcome.ALLOW, reason)
        return


def _time_rules(pack: Pack) -> list[TimeRule]:
    kinds = (ContactWindowRule, HolidayRule, FrequencyCapRule, BlackoutRule)
    return [r for r in pack.rules if isinstance(r, kinds)]
