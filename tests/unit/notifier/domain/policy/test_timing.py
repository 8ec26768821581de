"""Contact windows, holidays and the search for the earliest permitted instant."""

from __future__ import annotations

import pytest

from services.notifier.domain.policy.scenario import Outcome
from tests.unit.notifier.domain.policy.support import decide, until


@pytest.mark.parametrize(
    ("now", "outcome", "deferred_to"),
    [
        ("2026-11-30T07:59:59+08:00", Outcome.DEFER, "2026-11-30T08:00:00+08:00"),
        ("2026-11-30T08:00:00+08:00", Outcome.ALLOW, None),
        ("2026-11-30T21:59:59+08:00", Outcome.ALLOW, None),
        ("2026-11-30T22:00:00+08:00", Outcome.DEFER, "2026-12-01T08:00:00+08:00"),
        # The same instant written in UTC is judged in the debtor's zone.
        ("2026-11-30T14:00:00+00:00", Outcome.DEFER, "2026-12-01T00:00:00+00:00"),
    ],
)
def test_china_window_includes_its_start_and_excludes_its_end(
    now: str, outcome: Outcome, deferred_to: str | None
) -> None:
    decision = decide(now)
    assert decision.outcome is outcome
    assert until(decision) == deferred_to
    assert decision.rules == ([] if outcome is Outcome.ALLOW else ["CN-TIME-1"])


US_DEBTOR = {
    "debtor": {"timezones": ["America/New_York"]},
    "channel": "email",
}


@pytest.mark.parametrize(
    ("now", "outcome", "deferred_to"),
    [
        ("2026-11-30T08:00:00-05:00", Outcome.DEFER, "2026-11-30T08:00:01-05:00"),
        ("2026-11-30T08:00:01-05:00", Outcome.ALLOW, None),
        ("2026-11-30T20:59:59-05:00", Outcome.ALLOW, None),
        ("2026-11-30T21:00:00-05:00", Outcome.DEFER, "2026-12-01T08:00:01-05:00"),
    ],
)
def test_us_window_is_exclusive_at_both_ends(
    now: str, outcome: Outcome, deferred_to: str | None
) -> None:
    decision = decide(now, "us", **US_DEBTOR)
    assert decision.outcome is outcome
    assert until(decision) == deferred_to


def test_spring_forward_defers_to_eight_in_daylight_time() -> None:
    # 2026-03-08 01:00 EST; clocks go to 03:00 EDT at 02:00, so 08:00:01 is 12:00:01 UTC.
    decision = decide("2026-03-08T06:00:00+00:00", "us", **US_DEBTOR)
    assert until(decision) == "2026-03-08T12:00:01+00:00"


def test_fall_back_defers_to_eight_in_standard_time() -> None:
    # 2026-11-01 01:30 EDT (the first 01:30); 08:00:01 EST is 13:00:01 UTC.
    decision = decide("2026-11-01T05:30:00+00:00", "us", **US_DEBTOR)
    assert until(decision) == "2026-11-01T13:00:01+00:00"


def test_ambiguous_zones_allow_only_inside_every_window() -> None:
    zones = {"debtor": {"timezones": ["Asia/Shanghai", "America/New_York"]}}
    # 12:30 UTC: 20:30 in Shanghai (open), 07:30 in New York (closed).
    closed = decide("2026-11-30T12:30:00+00:00", **zones)
    assert closed.outcome is Outcome.DEFER
    assert until(closed) == "2026-11-30T13:00:00+00:00"  # 08:00 in New York, 21:00 in Shanghai
    assert decide("2026-11-30T13:30:00+00:00", **zones).outcome is Outcome.ALLOW
    # 14:00 UTC is 22:00 in Shanghai; at 08:00 there (00:00 UTC) New York is at 19:00, open.
    late = decide("2026-11-30T14:00:00+00:00", **zones)
    assert until(late) == "2026-12-01T00:00:00+00:00"


def test_consent_with_evidence_overrides_the_window_until_it_ends() -> None:
    consent = [{"channel": "sms", "until": "2026-12-01T00:00:00+08:00", "evidence": "rec-1"}]
    assert decide("2026-11-30T22:30:00+08:00", consents=consent).outcome is Outcome.ALLOW
    after = decide("2026-12-01T06:00:00+08:00", consents=consent)
    assert after.outcome is Outcome.DEFER
    other_channel = [consent[0] | {"channel": "email"}]
    assert decide("2026-11-30T22:30:00+08:00", consents=other_channel).outcome is Outcome.DEFER


def test_a_no_contact_day_defers_to_the_next_day_window() -> None:
    # 2026-02-16 is the Spring Festival eve, 2026-02-17 the first day: no contact on either.
    decision = decide("2026-02-16T10:00:00+08:00")
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["CN-CAL"]
    assert until(decision) == "2026-02-18T08:00:00+08:00"


def test_a_statutory_holiday_allows_one_message_a_day() -> None:
    sent = [{"at": "2026-10-01T09:00:00+08:00", "kind": "message_sent"}]
    history = [{"channel": "email", "sender": "bank", "debt_id": "loan-1"} | item for item in sent]
    assert decide("2026-10-01T10:00:00+08:00", channel="email").outcome is Outcome.ALLOW
    decision = decide("2026-10-01T10:00:00+08:00", channel="email", history=history)
    assert decision.outcome is Outcome.DEFER
    assert until(decision) == "2026-10-02T08:00:00+08:00"  # the next day's window


def test_a_provisional_year_allows_with_a_note_and_no_rule_fired() -> None:
    # 2027 is provisional in the shipped calendar (the State Council notice is not loaded yet).
    decision = decide("2027-01-04T10:00:00+08:00")
    assert decision.outcome is Outcome.ALLOW
    assert decision.rules == []
    assert any("CN-CAL" in r and "provisional" in r for r in decision.reasons)
    assert any(label.startswith("calendar:cn#") for label in decision.packs)


@pytest.mark.parametrize("day", ["2027-02-05", "2027-02-06"])
def test_spring_festival_eve_and_day_one_2027_are_no_contact_days(day: str) -> None:
    decision = decide(f"{day}T10:00:00+08:00")
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["CN-CAL"]
    assert until(decision) == "2027-02-07T08:00:00+08:00"


def test_a_day_not_known_for_certain_takes_the_holiday_cap() -> None:
    # 2027-03-10 is an ordinary Wednesday, but make-up days are unknown: one message a day.
    sent = [{"at": "2027-03-10T09:00:00+08:00", "kind": "message_sent", "channel": "email"}]
    history = [{"sender": "bank", "debt_id": "loan-1"} | item for item in sent]
    decision = decide("2027-03-10T10:00:00+08:00", channel="email", history=history)
    assert decision.outcome is Outcome.DEFER
    assert until(decision) == "2027-03-11T08:00:00+08:00"
    # An officially covered ordinary day has no such cap.
    official = [h | {"at": "2026-03-10T09:00:00+08:00"} for h in history]
    assert decide("2026-03-10T10:00:00+08:00", channel="email", history=official).outcome is (
        Outcome.ALLOW
    )


def test_a_year_with_no_data_computes_the_statutory_no_contact_days() -> None:
    # 2028 is not in the file: Spring Festival 2028 is 26 January, its eve the 25th.
    eve = decide("2028-01-25T10:00:00+08:00")
    assert eve.outcome is Outcome.DEFER
    assert until(eve) == "2028-01-27T08:00:00+08:00"
    ordinary = decide("2028-03-01T10:00:00+08:00")
    assert ordinary.outcome is Outcome.ALLOW
    assert any("no data for 2028" in r for r in ordinary.reasons)


def test_a_deferral_across_new_year_lands_in_the_provisional_year() -> None:
    decision = decide("2026-12-31T22:30:00+08:00")
    assert decision.outcome is Outcome.DEFER
    assert until(decision) == "2027-01-01T08:00:00+08:00"


def test_no_day_up_to_2030_is_blocked_for_want_of_calendar_data() -> None:
    from datetime import date, timedelta

    day, outcomes = date(2026, 12, 1), set()
    while day <= date(2030, 12, 31):
        for hour in ("10:00", "21:59"):
            decision = decide(f"{day.isoformat()}T{hour}:00+08:00")
            assert decision.outcome is not Outcome.BLOCK, (day, decision.reasons)
            outcomes.add(decision.outcome)
        day += timedelta(days=1)
    assert outcomes == {Outcome.ALLOW, Outcome.DEFER}


def test_combined_packs_intersect_their_windows() -> None:
    # 21:30 in Shanghai: open under the China pack (until 22:00), closed under the US one (21:00).
    now = "2026-11-30T21:30:00+08:00"
    consent = [{"channel": "sms", "until": "2026-11-30T20:00:00+08:00", "evidence": "form-7"}]
    assert decide(now, "cn").outcome is Outcome.ALLOW
    combined = decide(now, "cn", "us", channel="email", consents=consent)
    assert combined.outcome is Outcome.DEFER
    assert combined.rules == ["US-TIME-1"]
    assert until(combined) == "2026-12-01T08:00:01+08:00"
