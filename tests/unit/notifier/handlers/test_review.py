"""People's review decisions, acted on once: never a blind resend, a new attempt instead."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.notifier.domain.model import DeliveryUncertain, SendStatus
from services.notifier.domain.review import new_attempt
from services.notifier.domain.sends import send_key
from services.notifier.domain.templates import TemplateRegistry
from services.notifier.handlers.review import ReviewRefused, apply_review_decision
from services.notifier.handlers.sending import send_contact_request
from services.notifier.handlers.withdrawals import withdraw_contacts
from shared.events import ApplyReviewDecision, ContactRequested, ContactWithdrawn
from shared.testing.factories import contact_request
from tests.support.review import COURT_TEMPLATE, court_templates, decision
from tests.unit.notifier.handlers.support import Fixture


def of(request: ContactRequested, queue: str, verdict: str, **fields: Any) -> ApplyReviewDecision:
    names: dict[str, Any] = {"debtor_id": request.debtor_id, "loan_id": request.loan_id}
    return decision(request.event_id, queue, verdict, **(names | fields))


async def uncertain(f: Fixture) -> ContactRequested:
    request = contact_request()
    await f.debtor(request.debtor_id)
    f.email.fail_with = DeliveryUncertain("timed out after the DATA command")
    await send_contact_request(request, f.ctx)
    entry = await f.store.entry(send_key(request.event_id, "email"))
    assert entry is not None
    assert entry.status is SendStatus.UNCERTAIN
    return request


async def escalated(f: Fixture, tmp_path: Path) -> ContactRequested:
    f.ctx = replace(f.ctx, templates=TemplateRegistry.load(court_templates(tmp_path)))
    request = contact_request(template_id=COURT_TEMPLATE)
    await f.debtor(request.debtor_id)
    await send_contact_request(request, f.ctx)
    assert f.kinds() == ["send_escalated"]
    return request


class TestUncertain:
    async def test_confirmed_delivered_settles_sent_and_registers_its_code_once(
        self, f: Fixture
    ) -> None:
        request = await uncertain(f)
        confirmed = of(request, "uncertain", "confirm_delivered")
        await apply_review_decision(confirmed, f.ctx)
        await apply_review_decision(confirmed, f.ctx)  # redelivered
        entry = await f.store.entry(send_key(request.event_id, "email"))
        assert entry is not None
        assert (entry.status, entry.provider) == (SendStatus.SENT, "smtp")
        assert f.email.sent == []  # nothing resent
        decided, sent = [i for i in f.interactions() if i.kind != "send_uncertain"][:2]
        assert (decided.kind, decided.actor, decided.request_id) == (
            "review_decided",
            "person-1",
            request.event_id,
        )
        assert sent.kind == "message_sent"
        assert sent.verification_code is not None
        assert len({i.event_id for i in f.interactions()}) == 3  # replays repeat their ids

    async def test_confirmed_not_delivered_is_a_new_attempt_through_the_gate_once(
        self, f: Fixture
    ) -> None:
        request = await uncertain(f)
        denied = of(request, "uncertain", "confirm_not_delivered")
        await apply_review_decision(denied, f.ctx)
        await apply_review_decision(denied, f.ctx)
        old = await f.store.entry(send_key(request.event_id, "email"))
        attempt = new_attempt(request, denied)
        new = await f.store.entry(send_key(attempt.event_id, "email"))
        assert old is not None
        assert new is not None
        assert (old.status, new.status) == (SendStatus.FAILED, SendStatus.SENT)
        [(_, _, key)] = f.email.sent
        assert key == send_key(attempt.event_id, "email")
        codes = {i.verification_code for i in f.interactions() if i.kind == "message_sent"}
        assert len(codes) == 1  # the new attempt's own code

    async def test_a_decision_on_a_send_not_waiting_for_it_is_refused(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id)
        await send_contact_request(request, f.ctx)  # sent
        with pytest.raises(ReviewRefused, match="no send"):
            await apply_review_decision(of(request, "uncertain", "confirm_delivered"), f.ctx)
        stuck = await uncertain(f)
        with pytest.raises(ReviewRefused, match="not waiting in the escalated queue"):
            await apply_review_decision(of(stuck, "escalated", "reject"), f.ctx)
        with pytest.raises(ReviewRefused, match="another debtor"):
            await apply_review_decision(
                of(stuck, "uncertain", "confirm_delivered", loan_id="someone-else"), f.ctx
            )


class TestEscalated:
    async def test_an_approval_lifts_only_that_escalation_and_the_send_goes_once(
        self, f: Fixture, tmp_path: Path
    ) -> None:
        request = await escalated(f, tmp_path)
        [asked] = f.interactions()
        approval = of(request, "escalated", "approve", attestation="I affirm", rules=asked.rules)
        await apply_review_decision(approval, f.ctx)
        await apply_review_decision(approval, f.ctx)
        assert len(f.email.sent) == 1
        assert f.kinds()[:3] == ["send_escalated", "review_decided", "message_sent"]
        decided = f.interactions()[1]
        assert (decided.attestation, decided.actor) == ("I affirm", "person-1")

    async def test_an_approval_of_other_rules_escalates_again(
        self, f: Fixture, tmp_path: Path
    ) -> None:
        request = await escalated(f, tmp_path)
        approval = of(request, "escalated", "approve", attestation="I affirm", rules=("OTHER",))
        await apply_review_decision(approval, f.ctx)
        assert f.email.sent == []
        assert f.kinds() == ["send_escalated", "review_decided", "send_escalated"]

    async def test_a_rejection_never_sends_and_no_later_approval_does(
        self, f: Fixture, tmp_path: Path
    ) -> None:
        request = await escalated(f, tmp_path)
        await apply_review_decision(of(request, "escalated", "reject"), f.ctx)
        entry = await f.store.entry(send_key(request.event_id, "email"))
        assert entry is not None
        assert entry.status is SendStatus.WITHDRAWN
        late = of(request, "escalated", "approve", attestation="I affirm")
        with pytest.raises(ReviewRefused):
            await apply_review_decision(late, f.ctx)
        assert f.email.sent == []

    async def test_an_approval_after_the_scheduler_withdrew_the_loan_sends_nothing(
        self, f: Fixture, tmp_path: Path
    ) -> None:
        request = await escalated(f, tmp_path)
        withdrawal = ContactWithdrawn(
            event_id="wd-1",
            occurred_at=f.now,
            loan_id=request.loan_id,
            debtor_id=request.debtor_id,
            episode=1,
            reason="amount_changed",
        )
        await withdraw_contacts(withdrawal, f.ctx)
        await apply_review_decision(
            of(request, "escalated", "approve", attestation="I affirm"), f.ctx
        )
        assert f.email.sent == []
        assert f.kinds()[-1] == "send_withdrawn"


class TestBlocked:
    async def test_a_fixed_block_is_re_driven_and_may_block_again(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id, verified=False)
        await send_contact_request(request, f.ctx)
        assert f.kinds() == ["send_blocked"]
        redrive = of(request, "blocked", "redrive")
        await apply_review_decision(redrive, f.ctx)  # still unverified: blocked again
        assert f.kinds() == ["send_blocked", "review_decided", "send_blocked"]
        later = f.now + timedelta(hours=1)
        await f.debtor(request.debtor_id, occurred_at=later)  # verified now
        await apply_review_decision(of(request, "blocked", "redrive"), f.ctx)
        assert len(f.email.sent) == 1

    async def test_a_send_stopped_before_the_gate_is_withdrawn_then_re_driven(
        self, f: Fixture
    ) -> None:
        request = contact_request(channels=("email",))
        f.ctx = replace(f.ctx, channels={"sms": f.sms})  # no email channel yet
        await f.debtor(request.debtor_id)
        await send_contact_request(request, f.ctx)
        f.ctx = replace(f.ctx, channels={"sms": f.sms, "email": f.email})
        await apply_review_decision(of(request, "blocked", "redrive"), f.ctx)
        old = await f.store.entry(send_key(request.event_id, "email"))
        assert old is not None
        assert old.status is SendStatus.WITHDRAWN  # never sent by a released hold beside it
        await send_contact_request(request, f.ctx)  # the old request redelivered: nothing
        assert len(f.email.sent) == 1
