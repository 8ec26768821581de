"""Frequency caps across senders and channels, calendar days and rolling windows, blackouts."""

from __future__ import annotations

from datetime import datetime

from services.notifier.domain.policy.scenario import Outcome
from tests.unit.notifier.domain.policy.support import contact, decide, until


def test_message_cap_counts_every_sender_and_both_channels() -> None:
    history = [
        contact("2026-11-30T09:00:00+08:00", sender="bank"),
        contact("2026-11-30T09:30:00+08:00", sender="agency-7", channel="wechat"),
    ]
    decision = decide("2026-11-30T10:00:00+08:00", history=history)
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["CN-FREQ-MSG"]
    # Rolling 24 hours: a slot frees when the older message leaves the window.
    assert until(decision) == "2026-12-01T09:00:00+08:00"
    assert decide("2026-11-30T10:00:00+08:00", history=history[:1]).outcome is Outcome.ALLOW


def test_rolling_window_boundary_to_the_second() -> None:
    history = [
        contact("2026-11-30T09:00:00+08:00"),
        contact("2026-11-30T12:00:00+08:00", sender="agency-2"),
    ]
    assert decide("2026-12-01T08:59:59+08:00", history=history).outcome is Outcome.DEFER
    assert decide("2026-12-01T09:00:00+08:00", history=history).outcome is Outcome.ALLOW


def test_connected_call_cap_reopens_at_the_next_day_window_not_24_hours_later() -> None:
    calls = [
        contact(at, "call_connected", channel="voice", sender=sender)
        for at, sender in [
            ("2026-11-30T09:00:00+08:00", "bank"),
            ("2026-11-30T15:00:00+08:00", "agency-1"),
            ("2026-11-30T21:40:00+08:00", "agency-2"),
        ]
    ]
    decision = decide("2026-11-30T21:50:00+08:00", channel="voice", history=calls)
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["CN-FREQ-1"]
    assert until(decision) == "2026-12-01T08:00:00+08:00"


def test_attempts_to_one_number_are_capped_per_contact_point() -> None:
    attempts = [
        contact(
            f"2026-11-30T{h:02d}:00:00+08:00", "call_attempt", channel="voice", contact_point="p1"
        )
        for h in range(9, 15)
    ]
    same = decide(
        "2026-11-30T16:00:00+08:00", channel="voice", history=attempts, contact_point="p1"
    )
    assert same.outcome is Outcome.DEFER
    assert same.rules == ["CN-FREQ-2"]
    other = decide(
        "2026-11-30T16:00:00+08:00", channel="voice", history=attempts, contact_point="p2"
    )
    assert other.outcome is Outcome.ALLOW


def test_weekly_contact_cap_spans_seven_local_calendar_days() -> None:
    # 20 emails on Monday 2026-11-23 (day 1); they stop counting at the start of day 8.
    history = [
        contact(f"2026-11-23T{9 + i // 4:02d}:{(i % 4) * 10:02d}:00+08:00", channel="email")
        for i in range(20)
    ]
    blocked = decide("2026-11-29T21:00:00+08:00", channel="email", history=history)
    assert blocked.rules == ["CN-FREQ-ALL"]
    assert until(blocked) == "2026-11-30T08:00:00+08:00"
    assert (
        decide("2026-11-30T08:00:00+08:00", channel="email", history=history).outcome
        is Outcome.ALLOW
    )


US = {"debtor": {"timezones": ["America/Chicago"]}, "channel": "voice"}
CONSENT = [{"channel": "voice", "until": "2027-01-01T00:00:00-06:00", "evidence": "call-9"}]


def _calls(debt_id: str = "loan-1") -> list[dict[str, object]]:
    return [
        contact(f"2026-11-{d:02d}T10:00:00-06:00", "call_attempt", channel="voice", debt_id=debt_id)
        for d in range(23, 30)
    ]


def test_us_calls_need_prior_express_consent() -> None:
    decision = decide("2026-11-29T15:00:00-06:00", "us", **US)
    assert decision.outcome is Outcome.BLOCK
    assert decision.rules == ["US-TCPA"]


def test_us_seven_calls_in_seven_days_per_debt() -> None:
    now = "2026-11-29T15:00:00-06:00"
    decision = decide(now, "us", history=_calls(), consents=CONSENT, **US)
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["US-FREQ-1"]
    # Day 1 was 23 November: that call stops counting at the start of 30 November, local time,
    # and the window opens after 8 a.m.
    assert until(decision) == "2026-11-30T08:00:01-06:00"
    other_debt = decide(now, "us", history=_calls("loan-2"), consents=CONSENT, **US)
    assert other_debt.outcome is Outcome.ALLOW


def test_a_cap_marked_exempt_with_consent_lets_consented_calls_through() -> None:
    from services.notifier.domain.policy.engine import evaluate
    from services.notifier.domain.policy.pack import Pack
    from tests.unit.notifier.domain.policy.support import pack, scenario

    base = pack("us")
    rules = [
        r.model_copy(update={"exempt_with_consent": True}) if r.id == "US-FREQ-1" else r
        for r in base.rules
    ]
    lenient = Pack.model_validate(base.model_dump() | {"rules": [r.model_dump() for r in rules]})
    now = "2026-11-29T15:00:00-06:00"
    decision = evaluate([lenient], scenario(now, history=_calls(), consents=CONSENT, **US))
    assert decision.outcome is Outcome.ALLOW


def test_us_blackout_after_a_conversation_lasts_seven_days_counting_its_day() -> None:
    talk = [contact("2026-11-23T10:00:00-06:00", "conversation", channel="voice")]
    decision = decide("2026-11-29T20:00:00-06:00", "us", history=talk, consents=CONSENT, **US)
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["US-FREQ-2"]
    assert until(decision) == "2026-11-30T08:00:01-06:00"
    other_debt = [talk[0] | {"debt_id": "loan-2"}]
    assert (
        decide(
            "2026-11-29T20:00:00-06:00", "us", history=other_debt, consents=CONSENT, **US
        ).outcome
        is Outcome.ALLOW
    )


def test_a_contact_dated_after_the_decision_still_counts() -> None:
    """Another replica's clock a little ahead, or a dialler's report: counting it is the most
    restrictive reading, so a borrower is never contacted over the cap by clock skew."""
    history = [contact("2026-11-30T10:00:01+08:00"), contact("2026-11-30T10:00:02+08:00")]
    decision = decide("2026-11-30T10:00:00+08:00", history=history)
    assert decision.outcome is Outcome.DEFER
    assert decision.until is not None
    assert decision.until > datetime.fromisoformat("2026-11-30T10:00:02+08:00")
