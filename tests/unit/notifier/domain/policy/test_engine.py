"""Who may be contacted, how the contact point was obtained, opt-outs."""

from __future__ import annotations

import pytest

from services.notifier.domain.policy.scenario import Outcome
from tests.unit.notifier.domain.policy.support import decide

NOON = "2026-11-30T12:00:00+08:00"


@pytest.mark.parametrize("role", ["debtor", "guarantor", "authorised_agent"])
def test_the_debtor_and_allowed_roles_may_be_contacted(role: str) -> None:
    assert decide(NOON, recipient={"role": role, "provenance": "contract"}).outcome is Outcome.ALLOW


def test_an_unrelated_third_party_is_never_contacted_about_the_debt() -> None:
    decision = decide(NOON, recipient={"role": "other", "provenance": "reserved_contact_person"})
    assert decision.outcome is Outcome.BLOCK
    assert decision.rules == ["CN-TP-1"]


def test_a_lost_debtor_allows_only_a_reviewed_location_inquiry_without_debt_facts() -> None:
    lost = {"debtor": {"timezones": ["Asia/Shanghai"], "state": "lost_contact"}}
    third = {"recipient": {"role": "other", "provenance": "reserved_contact_person"}}
    assert decide(NOON, **lost, **third).outcome is Outcome.ESCALATE
    clean = "您好，这里是示例银行客服。请转告张先生回电 95500。"
    assert decide(NOON, **lost, **third, text=clean).outcome is Outcome.ESCALATE
    leaky = "请转告张先生：他的贷款已逾期，请尽快还款。"
    decision = decide(NOON, **lost, **third, text=leaky)
    assert decision.outcome is Outcome.BLOCK
    assert "CN-TP-1: debt facts in a message to a third party" in decision.reasons


@pytest.mark.parametrize("provenance", ["address_book_scrape", "purchased_list", "unknown"])
def test_contact_points_from_unlawful_sources_are_never_used(provenance: str) -> None:
    decision = decide(NOON, recipient={"role": "debtor", "provenance": provenance})
    assert decision.outcome is Outcome.BLOCK
    assert decision.rules == ["CN-TP-1"]


def test_an_unverified_contact_point_is_never_used() -> None:
    unverified = {"role": "debtor", "provenance": "borrower_provided", "verified": False}
    decision = decide(NOON, recipient=unverified)
    assert decision.outcome is Outcome.BLOCK
    assert decision.reasons == ["CN-TP-1: contact point not verified"]


def test_an_opt_out_blocks_that_channel_only() -> None:
    assert decide(NOON, opt_outs=["sms"]).outcome is Outcome.BLOCK
    assert decide(NOON, opt_outs=["sms"]).rules == ["CN-OPTOUT"]
    assert decide(NOON, opt_outs=["sms"], channel="email").outcome is Outcome.ALLOW


def test_block_outranks_defer_and_every_fired_rule_is_listed() -> None:
    decision = decide("2026-11-30T23:00:00+08:00", opt_outs=["sms"])
    assert decision.outcome is Outcome.BLOCK
    assert decision.until is None
    assert decision.rules == ["CN-OPTOUT", "CN-TIME-1"]
