"""The time rules: contact windows, no-contact days, frequency caps and blackouts.

Each is evaluated at an instant and, when it fires, says when it would next pass (``clear_at``),
or ``None`` when waiting cannot help: the engine then blocks. Calendar
days are the debtor's local days; with several candidate time zones a rule fires if it fires in
any of them (ambiguous zones intersect).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.notifier.domain.policy.rules import (
    BlackoutRule,
    CalendarDayWindow,
    ContactWindowRule,
    FrequencyCapRule,
    HolidayRule,
    RollingDaysWindow,
    RollingWindow,
)
from services.notifier.domain.policy.scenario import Contact, Scenario

TimeRule = ContactWindowRule | HolidayRule | FrequencyCapRule | BlackoutRule
ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Fired:
    rule_id: str
    reason: str
    clear_at: datetime | None


def time_results(rules: Iterable[TimeRule], scenario: Scenario, at: datetime) -> list[Fired]:
    """Every time rule that forbids contact at ``at``."""
    fired: list[Fired] = []
    zones = [ZoneInfo(z) for z in scenario.debtor.timezones]
    for rule in rules:
        for zone in zones:
            found = _check(rule, scenario, at, zone)
            if found is not None:
                fired.append(found)
                break
    return fired


def _check(rule: TimeRule, scenario: Scenario, at: datetime, zone: ZoneInfo) -> Fired | None:
    if isinstance(rule, ContactWindowRule):
        return _window(rule, scenario, at, zone)
    if isinstance(rule, HolidayRule):
        return _holiday(rule, scenario, at, zone)
    if isinstance(rule, FrequencyCapRule):
        return _cap(rule, scenario, at, zone)
    return _blackout(rule, scenario, at, zone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _consented(scenario: Scenario, at: datetime) -> bool:
    return any(c.channel == scenario.channel and c.until > at for c in scenario.consents)


def _window(
    rule: ContactWindowRule, scenario: Scenario, at: datetime, zone: ZoneInfo
) -> Fired | None:
    if scenario.channel not in rule.channels:
        return None
    if rule.consent_override and _consented(scenario, at):
        return None
    local = at.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    after_start = now >= rule.start if rule.start_inclusive else now > rule.start
    before_end = now < rule.end if not rule.end_inclusive else now <= rule.end
    if after_start and before_end:
        return None
    day = local.date() if not after_start else local.date() + timedelta(days=1)
    opens = datetime.combine(day, rule.start, tzinfo=zone).astimezone(UTC)
    if not rule.start_inclusive:
        opens += ONE_SECOND
    window = f"{rule.start:%H:%M}-{rule.end:%H:%M}"
    return Fired(rule.id, f"{now:%H:%M:%S} is outside {window} in {zone.key}", opens)


def _holiday(rule: HolidayRule, scenario: Scenario, at: datetime, zone: ZoneInfo) -> Fired | None:
    if scenario.channel not in rule.channels:
        return None
    day = at.astimezone(zone).date()
    tomorrow = local_midnight(day + timedelta(days=1), zone)
    info = rule.bound.info(day)
    if info.no_contact or day in rule.no_contact_dates:
        return Fired(rule.id, f"{day} is a no-contact day", tomorrow)
    # A day the calendar is not sure of is taken as a holiday: the most restrictive day type.
    holiday = info.holiday is not None or not info.certain
    if not holiday or rule.holiday_message_cap is None or scenario.channel == "voice":
        return None
    sent = [
        h
        for h in scenario.history
        if h.kind == "message_sent" and h.at.astimezone(zone).date() == day
    ]
    if len(sent) < rule.holiday_message_cap:
        return None
    kind = "a holiday" if info.holiday else f"not known for certain ({info.coverage} calendar)"
    return Fired(rule.id, f"{day} is {kind}: {rule.holiday_message_cap} message(s) a day", tomorrow)


def _in_scope(rule: FrequencyCapRule, scenario: Scenario, contact: Contact) -> bool:
    if rule.scope == "debt":
        return contact.debt_id == scenario.debt_id
    if rule.scope == "contact_point":
        if contact.contact_point and scenario.contact_point:
            return contact.contact_point == scenario.contact_point
        return contact.channel == scenario.channel
    return True


def _expiry(rule: FrequencyCapRule, contact: Contact, zone: ZoneInfo) -> datetime:
    """When ``contact`` stops counting against ``rule``."""
    window = rule.window
    if isinstance(window, RollingWindow):
        return contact.at + timedelta(seconds=window.seconds)
    first = contact.at.astimezone(zone).date()
    days = 1 if isinstance(window, CalendarDayWindow) else window.days
    return local_midnight(first + timedelta(days=days), zone)


def _cap(rule: FrequencyCapRule, scenario: Scenario, at: datetime, zone: ZoneInfo) -> Fired | None:
    if scenario.channel not in rule.applies_to:
        return None
    if rule.exempt_with_consent and _consented(scenario, at):
        return None
    expiries = sorted(
        _expiry(rule, h, zone)
        for h in scenario.history
        if h.kind in rule.counts
        and (not rule.count_channels or h.channel in rule.count_channels)
        and _in_scope(rule, scenario, h)
        # A contact dated after ``at`` counts too (another replica's clock a little ahead, a
        # dialler's report): the most restrictive reading.
        and _expiry(rule, h, zone) > at
    )
    if len(expiries) < rule.max:
        return None
    clear = expiries[len(expiries) - rule.max] if rule.max > 0 else None
    return Fired(rule.id, f"cap of {rule.max} per {_window_name(rule)} per {rule.scope}", clear)


def _window_name(rule: FrequencyCapRule) -> str:
    window = rule.window
    if isinstance(window, RollingWindow):
        return f"rolling {window.seconds}s"
    if isinstance(window, RollingDaysWindow):
        return f"{window.days} consecutive days"
    return "calendar day"


def _blackout(rule: BlackoutRule, scenario: Scenario, at: datetime, zone: ZoneInfo) -> Fired | None:
    if scenario.channel not in rule.applies_to:
        return None
    ends = [
        local_midnight(h.at.astimezone(zone).date() + timedelta(days=rule.days), zone)
        for h in scenario.history
        if h.kind == rule.trigger and (rule.scope == "debtor" or h.debt_id == scenario.debt_id)
    ]
    active = [end for end in ends if end > at]
    if not active:
        return None
    return Fired(
        rule.id, f"{rule.days} days without {scenario.channel} after a {rule.trigger}", max(active)
    )
