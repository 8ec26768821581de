"""A visit's states at the desk: proposed, confirmed only by its notice's delivery,
undelivered, cancelled, done once with the field agent's outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.desk.domain import visits as rules
from services.desk.domain.visits import Visit, VisitRefused
from tests.support.desk import OPENED, Loan
from tests.support.visits import VISIT_DAY, cancellation, proposal

LATER = OPENED + timedelta(hours=1)


def visit(loan: Loan | None = None) -> tuple[Loan, Visit]:
    loan = loan or Loan()
    return loan, rules.proposed(proposal(loan))


class TestDelivery:
    @pytest.mark.parametrize(
        ("status", "seen"),
        [
            ("delivered: DELIVRD", "delivered"),  # Aliyun
            ("success: 用户短信接收成功", "delivered"),  # Tencent
            ("delivered", "delivered"),  # Twilio
            ("failed: isv.MOBILE_NUMBER_ILLEGAL", "failed"),
            ("fail: 空号", "failed"),
            ("undelivered", "failed"),
            ("failed:user block", "failed"),  # WeChat
            ("sent", None),
            ("queued", None),
        ],
    )
    def test_provider_receipts(self, status: str, seen: str | None) -> None:
        event = Loan().interaction("delivery_reported", reason=status)
        assert rules.delivery(event) == seen

    @pytest.mark.parametrize("kind", ["send_blocked", "send_failed", "send_withdrawn"])
    def test_a_notice_that_never_went_out(self, kind: str) -> None:
        assert rules.delivery(Loan().interaction(kind)) == "failed"

    @pytest.mark.parametrize("kind", ["message_sent", "send_deferred", "send_uncertain"])
    def test_sent_or_deferred_says_nothing_yet(self, kind: str) -> None:
        assert rules.delivery(Loan().interaction(kind)) is None


class TestStates:
    def test_proposed_is_not_workable_until_delivered(self) -> None:
        loan, proposed = visit()
        assert proposed.state == "proposed"
        receipt = loan.interaction("delivery_reported", reason="delivered", occurred_at=LATER)
        confirmed = rules.on_notice(proposed, "delivered", receipt)
        assert confirmed is not None
        assert (confirmed.state, confirmed.confirmed_at) == ("confirmed", LATER)
        assert rules.on_notice(confirmed, "delivered", receipt) is None

    def test_undelivered_then_delivered_on_another_channel_confirms(self) -> None:
        loan, proposed = visit()
        failed = rules.on_notice(proposed, "failed", loan.interaction("send_failed"))
        assert failed is not None
        assert failed.state == "undelivered"
        receipt = loan.interaction("delivery_reported", channel="email", reason="delivered")
        again = rules.on_notice(failed, "delivered", receipt)
        assert again is not None
        assert (again.state, again.notice_result) == ("confirmed", "delivered by email")

    def test_a_late_failure_does_not_undo_a_confirmation(self) -> None:
        loan, proposed = visit()
        confirmed = rules.on_notice(proposed, "delivered", loan.interaction("delivery_reported"))
        assert confirmed is not None
        assert rules.on_notice(confirmed, "failed", loan.interaction("send_failed")) is None

    def test_cancelled_keeps_its_reason_and_a_done_visit_stays_done(self) -> None:
        loan, proposed = visit()
        off = rules.cancelled(proposed, cancellation(loan, proposal(loan)))
        assert off is not None
        assert (off.state, off.cancel_reason) == ("cancelled", "cured")
        assert off.cancel_notice_id is not None
        assert rules.cancelled(off, cancellation(loan, proposal(loan))) is None

    def test_an_outcome_only_for_a_confirmed_visit_and_once(self) -> None:
        loan, proposed = visit()
        with pytest.raises(VisitRefused, match="confirmed"):
            rules.done(proposed, outcome="met", note=None, by="agent-3", at=LATER, key="o-1")
        confirmed = rules.on_notice(proposed, "delivered", loan.interaction("delivery_reported"))
        assert confirmed is not None
        done = rules.done(confirmed, outcome="met", note="ok", by="agent-3", at=LATER, key="o-1")
        assert (done.state, done.outcome, done.outcome_by) == ("done", "met", "agent-3")
        assert rules.done(done, outcome="met", note="ok", by="agent-3", at=LATER, key="o-1") is done
        with pytest.raises(VisitRefused):
            rules.done(done, outcome="refused", note=None, by="agent-3", at=LATER, key="o-2")
        record = rules.outcome_record(done)
        assert (record.visit_id, record.actor, record.outcome) == (done.visit_id, "agent-3", "met")
        assert rules.outcome_record(done) == record  # the same evidence, the same id


class TestTasks:
    def test_the_field_task_is_due_by_the_visits_day_with_its_plan(self) -> None:
        _, proposed = visit()
        task = rules.visit_task(proposed, LATER)
        assert (task.kind, task.event_id, task.appointment) == (
            "field_visit",
            proposed.task_id,
            VISIT_DAY,
        )
        assert task.place is not None
        assert "世纪大道100号" in task.place
        assert task.proposed_plan == proposed.proposed_plan
        follow_up = rules.visit_task(proposed, LATER, undelivered=True)
        assert (follow_up.kind, follow_up.event_id) == ("visit_undelivered", proposed.follow_up_id)
