"""The review queues' pure rules: which sends ask a person, who decides, what a decision is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.review import (
    DecisionRequest,
    check_queue,
    decide,
    fixable_causes,
    item_of,
    may_decide,
    settled,
)
from services.desk.domain.tasks import TransitionRefused
from tests.support.desk import AGENT, COMPLIANCE, FIELD_AGENT, OPENED, SUPERVISOR, Loan
from tests.unit.notifier.domain.policy.support import decide as gate

NOON = "2026-11-30T12:00:00+08:00"


def gate_reason(**overrides: object) -> str:
    """What the notifier records for a gate's block (its reasons joined, as in interactions)."""
    return "; ".join(gate(NOON, **overrides).reasons)


class TestWhichBlocksCanBeFixed:
    def test_an_unverified_contact_point_is_fixable(self) -> None:
        unverified = {"role": "debtor", "provenance": "contract", "verified": False}
        assert fixable_causes(gate_reason(recipient=unverified)) == ("contact_point_unverified",)

    def test_an_opt_out_is_final(self) -> None:
        assert fixable_causes(gate_reason(opt_outs=["sms"])) is None

    def test_a_recipient_who_may_not_be_told_is_final(self) -> None:
        third = {"role": "other", "provenance": "reserved_contact_person"}
        assert fixable_causes(gate_reason(recipient=third)) is None

    def test_a_fixable_cause_beside_a_final_one_is_final(self) -> None:
        unverified = {"role": "debtor", "provenance": "contract", "verified": False}
        assert fixable_causes(gate_reason(recipient=unverified, opt_outs=["sms"])) is None

    @pytest.mark.parametrize(
        ("reason", "cause"),
        [
            ("no sms contact point yet after 72 hours", "no_contact_point"),
            ("wechat is not configured", "channel_unconfigured"),
            ("no approved template overdue-notice-v9", "template_missing"),
            ("template overdue-notice-v1 has no en text", "template_missing"),
            ("US-CONSENT-1: sms needs prior express consent", "consent_missing"),
            ("PACK-cn: the pack is not in force today", "pack_not_in_force"),
            ("GATE-HORIZON: no permitted time within 14 days", "no_permitted_time"),
        ],
    )
    def test_the_notifiers_own_words_name_a_cause(self, reason: str, cause: str) -> None:
        assert fixable_causes(reason) == (cause,)

    def test_a_calendar_note_blocks_nothing_and_unknown_words_are_final(self) -> None:
        note = "CN-HOL-1: the cn calendar has no data for 2027: holiday policy applied"
        assert fixable_causes(f"{note}; CN-TP-1: contact point not verified") == (
            "contact_point_unverified",
        )
        assert fixable_causes(note) is None
        assert fixable_causes("CN-BAN-1: banned threat: 'x'") is None
        assert fixable_causes(None) is None


class TestItems:
    def test_each_kind_of_send_asking_a_person_opens_its_queue(self) -> None:
        loan = Loan()
        escalated = item_of(loan.interaction("send_escalated", request_id="r-1", rules=("R",)))
        uncertain = item_of(loan.interaction("send_uncertain", request_id="r-2", reason="x"))
        blocked = item_of(
            loan.interaction("send_blocked", request_id="r-3", reason="sms is not configured")
        )
        assert escalated is not None
        assert escalated.queue == "escalated"
        assert uncertain is not None
        assert uncertain.queue == "uncertain"
        assert blocked is not None
        assert blocked.causes == ("channel_unconfigured",)
        assert escalated.age(OPENED + timedelta(hours=2)) == timedelta(hours=2)

    def test_final_blocks_and_other_interactions_open_nothing(self) -> None:
        loan = Loan()
        opted = loan.interaction(
            "send_blocked", request_id="r", reason="X: the borrower opted out of sms"
        )
        assert item_of(opted) is None
        assert item_of(loan.interaction("message_sent", request_id="r")) is None
        assert item_of(loan.interaction("send_escalated")) is None  # no request: not a send

    def test_a_send_settled_meanwhile_closes_its_open_item(self) -> None:
        item = item_of(Loan().interaction("send_uncertain", request_id="r"))
        assert item is not None
        closed = settled(item, "message_sent")
        assert closed is not None
        assert (closed.state, closed.closed_by) == ("closed", "message_sent")
        assert settled(item, "send_deferred") is None
        # The reconciler found it never went: nothing left to decide either.
        not_sent = settled(item, "send_not_sent")
        assert not_sent is not None
        assert not_sent.closed_by == "send_not_sent"


class TestWhoDecides:
    def test_compliance_officers_decide_escalations_and_nothing_else(self) -> None:
        assert may_decide(COMPLIANCE, "escalated", "collections")
        assert not may_decide(COMPLIANCE, "uncertain", "collections")
        for person in (AGENT, SUPERVISOR):
            assert not may_decide(person, "escalated", "collections")

    def test_supervisors_and_the_review_teams_agents_decide_the_rest(self) -> None:
        for queue in ("uncertain", "blocked"):
            assert may_decide(SUPERVISOR, queue, "collections")
            assert may_decide(AGENT, queue, "collections")
            assert not may_decide(FIELD_AGENT, queue, "collections")
        with pytest.raises(NotAllowed, match="compliance officers"):
            check_queue(AGENT, "escalated", "collections")


class TestDecisions:
    def test_an_approval_carries_the_person_reason_attestation_and_reviewed_rules(self) -> None:
        item = item_of(Loan().interaction("send_escalated", request_id="r", rules=("CN-LEGAL-1",)))
        assert item is not None
        wanted = DecisionRequest(
            decision_id="k", verdict="approve", reason="reference checked", attestation="I affirm"
        )
        decided, command = decide(item, wanted, COMPLIANCE, at=OPENED)
        assert decided.state == "decided"
        assert (command.actor, command.decision, command.rules) == (
            "co-1",
            "approve",
            ("CN-LEGAL-1",),
        )
        assert (command.request_id, command.attestation) == ("r", "I affirm")
        again, _ = decide(item, wanted, COMPLIANCE, at=OPENED + timedelta(hours=1))
        assert again.decided is not None
        assert again.decided.decision_id == command.event_id

    @pytest.mark.parametrize(
        ("kind", "verdict", "attestation", "refusal"),
        [
            ("send_escalated", "approve", None, "attestation"),
            ("send_escalated", "redrive", None, "not a decision"),
            ("send_uncertain", "approve", "I affirm", "not a decision"),
        ],
    )
    def test_a_decision_the_queue_does_not_take_is_refused(
        self, kind: str, verdict: str, attestation: str | None, refusal: str
    ) -> None:
        item = item_of(Loan().interaction(kind, request_id="r", reason="sms is not configured"))
        assert item is not None
        wanted = DecisionRequest.model_validate(
            {"decision_id": "k", "verdict": verdict, "reason": "why", "attestation": attestation}
        )
        with pytest.raises(TransitionRefused, match=refusal):
            decide(item, wanted, Person(id="p", role="supervisor"), at=OPENED)

    def test_a_decided_item_takes_no_other_decision(self) -> None:
        item = item_of(Loan().interaction("send_uncertain", request_id="r"))
        assert item is not None
        first = DecisionRequest(
            decision_id="a", verdict="confirm_delivered", reason="borrower said"
        )
        decided, _ = decide(item, first, AGENT, at=OPENED)
        second = first.model_copy(update={"decision_id": "b", "verdict": "confirm_not_delivered"})
        with pytest.raises(TransitionRefused, match="decided already"):
            decide(decided, second, AGENT, at=OPENED)
