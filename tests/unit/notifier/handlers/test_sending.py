"""Sending a contact request through the gate, each (request, channel) once: holds, withdrawals,
freshness at the moment of sending, gate decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.notifier.domain.model import DirectoryEntry
from services.notifier.domain.sends import send_key
from services.notifier.domain.templates import TemplateRegistry
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.deferrals import dispatch_due
from services.notifier.handlers.sending import send_contact_request
from services.notifier.handlers.withdrawals import withdraw_contacts
from shared.events import ContactRequested, ContactWithdrawn
from shared.testing.factories import contact_request
from tests.unit.notifier.handlers.support import Fixture


class TestSend:
    async def test_sends_one_email_and_records_the_decision(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id)
        await send_contact_request(request, f.ctx)
        [(to, message, _)] = f.email.sent
        assert to == f"{request.debtor_id}@borrower.example"
        assert "****5678" in message.body
        [interaction] = f.interactions()
        assert interaction.kind == "message_sent"
        assert interaction.verification_code is not None
        assert interaction.verification_code in message.body
        assert interaction.policy_pack is not None
        assert interaction.policy_pack.startswith("cn.bank.consumer@2026.3.0#")
        assert interaction.content_sha256 == message.sha256
        assert interaction.template == "overdue-notice-v1@1"

    async def test_each_channel_is_sent_once(self, f: Fixture) -> None:
        request = contact_request(channels=("sms", "email"))
        await f.debtor(request.debtor_id)
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert len(f.sms.sent) == 1
        assert len(f.email.sent) == 1
        assert len({i.event_id for i in f.interactions()}) == 2

    async def test_no_contact_point_yet_holds_the_send(self, f: Fixture) -> None:
        await send_contact_request(contact_request(), f.ctx)
        assert f.email.sent == []
        [interaction] = f.interactions()
        assert interaction.kind == "send_held"
        assert interaction.reason == "no email contact point yet"
        assert await f.store.deferred_count() == 1

    async def test_a_channel_not_configured_blocks(self, f: Fixture) -> None:
        request = contact_request(channels=("wechat",))
        await f.debtor(request.debtor_id, wechat_openid="o" + "x" * 27)
        await send_contact_request(request, f.ctx)
        assert f.kinds() == ["send_blocked"]

    async def test_an_unverified_contact_point_is_never_used(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id, verified=False)
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        assert f.kinds() == ["send_blocked"]

    async def test_a_third_party_contact_point_is_never_used(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id, role="other", provenance="reserved_contact_person")
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        [interaction] = f.interactions()
        assert interaction.kind == "send_blocked"
        assert interaction.rules == ("CN-TP-1",)


class TestFreshness:
    """Whatever waited is re-checked against the loan's current state before it goes."""

    async def _deferred(self, f: Fixture, **fields: object) -> ContactRequested:
        request = contact_request(**fields)
        await f.debtor(request.debtor_id)
        f.now = datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai: deferred
        await send_contact_request(request, f.ctx)
        assert f.kinds()[-1] == "send_deferred"
        return request

    async def test_a_request_before_its_contact_details_is_sent_once_they_arrive(
        self, f: Fixture
    ) -> None:
        request = contact_request()
        await send_contact_request(request, f.ctx)
        assert f.kinds() == ["send_held"]
        await send_contact_request(request, f.ctx)  # a redelivery holds it still, once
        assert await f.store.deferred_count() == 1
        await f.debtor(request.debtor_id)  # the details arrive: the hold is released
        assert await dispatch_due(f.ctx) == 1
        assert len(f.email.sent) == 1
        assert f.kinds()[-1] == "message_sent"
        await send_contact_request(request, f.ctx)
        assert await dispatch_due(f.ctx) == 0
        assert len(f.email.sent) == 1

    async def test_a_hold_is_rechecked_and_blocked_only_after_the_longest_hold(
        self, f: Fixture
    ) -> None:
        request = contact_request()  # pay by 2026-03-11; held from 2026-03-04 12:00 Shanghai
        await send_contact_request(request, f.ctx)
        f.now += timedelta(hours=2)
        assert await dispatch_due(f.ctx) == 1  # re-checked: still nothing, held again
        assert f.kinds()[-1] == "send_held"
        f.now += timedelta(days=3)
        assert await dispatch_due(f.ctx) == 1
        assert f.kinds()[-1] == "send_blocked"
        assert "after 72 hours" in (f.interactions()[-1].reason or "")
        f.now += timedelta(days=1)
        assert await dispatch_due(f.ctx) == 0  # parked: not retried on its own
        assert await f.store.deferred_count() == 1  # but not forgotten
        # The operator fixes the data (no details event) and re-drives it: through the gate,
        # once, while its pay-by date still lies ahead.
        await f.store.upsert(
            DirectoryEntry(request.debtor_id, email=f"{request.debtor_id}@borrower.example"),
            as_of=f.now,
        )
        assert await f.store.redrive() == 1
        assert await dispatch_due(f.ctx) == 1
        assert len(f.email.sent) == 1
        assert f.kinds()[-1] == "message_sent"
        assert await f.store.redrive() == 0

    async def test_a_re_driven_send_no_longer_true_is_withdrawn_not_sent(self, f: Fixture) -> None:
        request = contact_request()
        await send_contact_request(request, f.ctx)
        f.now += timedelta(days=4)
        await dispatch_due(f.ctx)  # blocked and parked
        f.now += timedelta(days=5)  # past the pay-by date
        await f.debtor(request.debtor_id)  # details arrive at last: the parked send is released
        assert await dispatch_due(f.ctx) == 1
        assert f.email.sent == []
        assert f.kinds()[-1] == "send_withdrawn"

    async def test_details_arriving_after_the_longest_hold_still_deliver(self, f: Fixture) -> None:
        request = contact_request(pay_by=date(2026, 4, 30))
        await send_contact_request(request, f.ctx)
        f.now += timedelta(days=4)
        await dispatch_due(f.ctx)
        assert f.kinds()[-1] == "send_blocked"
        f.now += timedelta(days=2)
        await f.debtor(request.debtor_id)
        assert await dispatch_due(f.ctx) == 1
        assert len(f.email.sent) == 1

    async def test_a_stale_request_is_withdrawn_even_on_its_first_attempt(self, f: Fixture) -> None:
        request = contact_request(pay_by=date(2026, 3, 3))  # read after a long backlog
        await f.debtor(request.debtor_id)
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        assert f.kinds() == ["send_withdrawn"]

    async def test_a_payment_before_the_deferred_send_withdraws_it(self, f: Fixture) -> None:
        request = await self._deferred(f)
        paid = ContactWithdrawn(
            event_id="w-1",
            occurred_at=f.now,
            loan_id=request.loan_id,
            debtor_id=request.debtor_id,
            episode=1,
            reason="cured",
        )
        await withdraw_contacts(paid, f.ctx)
        assert f.kinds()[-1] == "send_withdrawn"
        assert "cured" in (f.interactions()[-1].reason or "")
        f.now = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
        assert await dispatch_due(f.ctx) == 0
        await send_contact_request(request, f.ctx)  # a redelivery is not sent either
        assert f.email.sent == []

    async def test_a_withdrawal_spares_later_episodes_and_other_loans(self, f: Fixture) -> None:
        request = await self._deferred(f, episode=2)
        other = ContactWithdrawn(
            event_id="w-2",
            occurred_at=f.now,
            loan_id=request.loan_id,
            debtor_id=request.debtor_id,
            episode=1,
            reason="cured",
        )
        await withdraw_contacts(other, f.ctx)
        await withdraw_contacts(other.model_copy(update={"loan_id": "loan-x", "episode": 2}), f.ctx)
        f.now = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
        assert await dispatch_due(f.ctx) == 1
        assert len(f.email.sent) == 1

    async def test_a_later_step_supersedes_what_an_earlier_one_has_waiting(
        self, f: Fixture
    ) -> None:
        first = await self._deferred(f)
        later = contact_request(
            loan_id=first.loan_id, debtor_id=first.debtor_id, step="overdue-notice-2"
        )
        await send_contact_request(later, f.ctx)
        withdrawn = [i for i in f.interactions() if i.kind == "send_withdrawn"]
        assert [i.request_id for i in withdrawn] == [first.event_id]
        f.now = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
        assert await dispatch_due(f.ctx) == 1  # only the later one
        assert len(f.email.sent) == 1

    async def test_a_pay_by_date_already_past_is_never_sent(self, f: Fixture) -> None:
        request = await self._deferred(f, pay_by=date(2026, 3, 5))
        f.now = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)  # the 6th in Shanghai
        await dispatch_due(f.ctx)
        assert f.email.sent == []
        assert f.kinds()[-1] == "send_withdrawn"
        assert "pay-by date 2026-03-05 has passed" in (f.interactions()[-1].reason or "")
        assert await f.store.entry(send_key(request.event_id, "email")) is not None

    async def test_a_visit_notice_after_the_visit_is_never_sent(self, f: Fixture) -> None:
        await self._deferred(
            f,
            purpose="visit_notice",
            template_id="visit-notice-v1",
            appointment=date(2026, 3, 5),
            place="客户家中",
        )
        f.now = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 09:00 on the day of the visit
        await dispatch_due(f.ctx)
        assert f.email.sent == []
        assert "visit on 2026-03-05 is no longer ahead" in (f.interactions()[-1].reason or "")


class TestGate:
    async def test_outside_the_window_the_send_is_deferred_then_sent(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id)
        f.now = datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        [deferred] = f.interactions()
        assert deferred.kind == "send_deferred"
        assert deferred.rules == ("CN-TIME-1",)
        assert deferred.deferred_until == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
        # Redelivery in the night changes nothing; the dispatcher sends at 08:00.
        await send_contact_request(request, f.ctx)
        assert await dispatch_due(f.ctx) == 0
        f.now = datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC)
        assert await dispatch_due(f.ctx) == 1
        assert len(f.email.sent) == 1
        assert f.kinds()[-1] == "message_sent"
        assert await dispatch_due(f.ctx) == 0

    async def test_gate_blocks_count_as_blocked_messages(self, f: Fixture) -> None:
        from services.notifier.metrics import MESSAGES

        blocked = MESSAGES.labels("sms", "blocked")
        before = blocked._value.get()
        request = contact_request(channels=("sms",))
        await f.debtor(request.debtor_id)
        await f.store.record_opt_out(request.debtor_id, "sms", f.now)
        await send_contact_request(request, f.ctx)
        assert blocked._value.get() == before + 1  # what DunwellSendsBlockedSpike counts

    async def test_an_opt_out_blocks_the_channel(self, f: Fixture) -> None:
        request = contact_request(channels=("sms", "email"))
        await f.debtor(request.debtor_id)
        await f.store.record_opt_out(request.debtor_id, "sms", f.now)
        await send_contact_request(request, f.ctx)
        assert f.sms.sent == []
        assert len(f.email.sent) == 1

    async def test_the_message_cap_counts_other_senders(self, f: Fixture) -> None:
        from services.notifier.domain.policy.scenario import Contact

        debtor = "debtor-cap"
        await f.debtor(debtor)
        for i, sender in enumerate(["agency-1", "agency-2"]):
            contact = Contact(
                at=f.now - timedelta(hours=3 - i),
                channel="sms",
                kind="message_sent",
                sender=sender,
                debt_id="other-loan",
            )
            await f.store.record_contact(debtor, contact, key=f"agency-{i}")
        await send_contact_request(contact_request(debtor_id=debtor, channels=("sms",)), f.ctx)
        assert f.sms.sent == []
        assert f.kinds() == ["send_deferred"]

    async def test_two_workers_racing_for_the_last_slot_send_once(self, f: Fixture) -> None:
        import asyncio

        debtor = "debtor-race"
        await f.debtor(debtor)
        first = contact_request(debtor_id=debtor, channels=("sms",))
        await send_contact_request(first, f.ctx)  # one of the two daily slots is taken
        racers = [contact_request(debtor_id=debtor, channels=("sms",)) for _ in range(2)]
        await asyncio.gather(*(send_contact_request(r, f.ctx) for r in racers))
        assert len(f.sms.sent) == 2
        assert sorted(f.kinds()) == ["message_sent", "message_sent", "send_deferred"]

    async def test_banned_content_in_a_template_blocks(self, f: Fixture, tmp_path: object) -> None:
        from pathlib import Path

        path = Path(str(tmp_path)) / "t.yaml"
        path.write_text(
            "templates:\n"
            "  - id: overdue-notice-v1\n    version: 2\n    purpose: overdue_notice\n"
            "    approval: {by: x, ref: y, approved_on: 2026-01-01}\n"
            "    texts:\n      en: {subject: s, email: 'Pay now or we tell the police.', "
            "sms: s, wechat: w}\n",
            encoding="utf-8",
        )
        ctx = SendContext(**{**f.ctx.__dict__, "templates": TemplateRegistry.load(path)})
        request = contact_request()
        await f.debtor(request.debtor_id)
        await send_contact_request(request, ctx)
        assert f.email.sent == []
        [blocked] = f.interactions()
        assert blocked.kind == "send_blocked"
        assert set(blocked.rules) == {"CN-CONTENT-REQ", "CN-CONTENT-BAN"}


class TestObserver:
    async def test_every_outcome_is_counted_once(self, f: Fixture) -> None:
        from dataclasses import replace

        from services.notifier.adapters.memory.observer import InMemorySendObserver
        from services.notifier.domain.policy.scenario import Outcome

        observer = InMemorySendObserver()
        ctx = replace(f.ctx, observer=observer)
        request = contact_request(channels=("sms", "email"))
        await f.debtor(request.debtor_id)
        await f.store.record_opt_out(request.debtor_id, "sms", f.now)
        await send_contact_request(request, ctx)
        await send_contact_request(request, ctx)
        assert observer.counts == {
            ("sms", "blocked"): 1,
            ("email", "sent"): 1,
            ("sms", "duplicate"): 1,
            ("email", "duplicate"): 1,
        }
        assert observer.decisions == [("sms", Outcome.BLOCK), ("email", Outcome.ALLOW)]
        assert observer.rules == {"CN-OPTOUT": 1}
        assert observer.provider_calls == {"email": 1}

    async def test_the_dispatcher_reports_the_backlog(self, f: Fixture) -> None:
        from dataclasses import replace

        from services.notifier.adapters.memory.observer import InMemorySendObserver

        observer = InMemorySendObserver()
        ctx = replace(f.ctx, observer=observer)
        await send_contact_request(contact_request(), ctx)  # held: no contact point yet
        await dispatch_due(ctx)
        assert observer.waiting == 1
        assert observer.counts == {("email", "held"): 1}
