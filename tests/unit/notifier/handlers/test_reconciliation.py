"""The reconciler: uncertain sends asked about again with backoff, settled as sent or not sent,
their codes registered accordingly; never resent."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from services.notifier.domain.model import DeliveryUncertain, SendStatus
from services.notifier.domain.sends import Send, send_key
from services.notifier.handlers.codes import register_delivered
from services.notifier.handlers.reconciliation import reconcile_due
from services.notifier.handlers.sending import send_contact_request
from shared.events import ContactRequested
from shared.testing.factories import contact_request
from tests.unit.notifier.handlers.support import Fixture


async def uncertain_email(f: Fixture) -> tuple[ContactRequested, str]:
    """An email whose SMTP session dropped after the message was handed over."""
    request = contact_request()
    await f.debtor(request.debtor_id)
    f.email.fail_with = DeliveryUncertain("SMTP session lost")
    await send_contact_request(request, f.ctx)
    return request, send_key(request.event_id, "email")


def later(f: Fixture, seconds: float) -> None:
    f.now += timedelta(seconds=seconds)


class TestAnUncertainSend:
    async def test_is_recorded_with_its_code_and_kept_for_the_reconciler(self, f: Fixture) -> None:
        _, key = await uncertain_email(f)
        [interaction] = f.interactions()
        assert interaction.kind == "send_uncertain"
        assert interaction.verification_code is not None  # registered as possibly sent
        [kept] = f.store.uncertain.values()
        assert (kept.key, kept.provider, kept.checks) == (key, "smtp", 0)
        assert kept.next_check_at == f.now + f.ctx.reconcile_backoff.first

    async def test_found_later_is_settled_sent_and_its_code_registered(self, f: Fixture) -> None:
        request, key = await uncertain_email(f)
        f.email.askable, f.email.known[key] = True, "smtp-id-9"
        assert await reconcile_due(f.ctx) == 0  # not due yet
        later(f, 10)
        assert await reconcile_due(f.ctx) == 1
        entry = await f.store.entry(key)
        assert entry is not None
        assert (entry.status, entry.provider_message_id) == (SendStatus.SENT, "smtp-id-9")
        sent = f.interactions()[-1]
        assert (sent.kind, sent.verification_code) == (
            "message_sent",
            f.interactions()[0].verification_code,
        )
        assert f.store.uncertain == {}
        assert f.email.sent == []  # never resent
        await send_contact_request(request, f.ctx)  # a redelivery replays the send
        assert f.email.sent == []

    async def test_certainly_absent_is_not_sent_and_counts_against_no_cap(self, f: Fixture) -> None:
        _, key = await uncertain_email(f)
        f.email.askable = True  # the provider has nothing under our key
        later(f, 10)
        assert await reconcile_due(f.ctx) == 1
        entry = await f.store.entry(key)
        assert entry is not None
        assert entry.status is SendStatus.FAILED
        assert key not in f.store.log
        last = f.interactions()[-1]
        assert (last.kind, last.verification_code) == (
            "send_not_sent",
            f.interactions()[0].verification_code,
        )
        assert f.store.uncertain == {}
        assert f.email.sent == []

    async def test_unanswered_it_is_asked_again_later_and_later(self, f: Fixture) -> None:
        _, key = await uncertain_email(f)
        waits = []
        for _ in range(4):
            [kept] = f.store.uncertain.values()
            f.now = kept.next_check_at
            assert await reconcile_due(f.ctx) == 0
            [again] = f.store.uncertain.values()
            waits.append((again.next_check_at - f.now).total_seconds())
        assert waits == [20.0, 40.0, 80.0, 160.0]
        assert f.store.uncertain[key].checks == 4
        assert f.email.sent == []
        assert REGISTRY.get_sample_value("notifier_uncertain_sends") == 1
        age = (f.now - f.store.uncertain[key].since).total_seconds()
        assert REGISTRY.get_sample_value("notifier_uncertain_oldest_age_seconds") == age > 0

    async def test_settled_by_another_path_it_is_no_longer_kept(self, f: Fixture) -> None:
        request, _ = await uncertain_email(f)
        # A person (or a provider's push) confirms it, through the same settle path.
        send = Send.of(request, "email", f.ctx.verification_secret)
        await register_delivered(f.ctx, send, provider="smtp", provider_message_id=None)
        assert f.store.uncertain == {}
        assert [i.kind for i in f.interactions()] == ["send_uncertain", "message_sent"]

    async def test_settled_before_a_crash_it_is_forgotten_and_recorded(self, f: Fixture) -> None:
        _, key = await uncertain_email(f)
        await f.store.settle(key, SendStatus.SENT, "smtp-id-1", "smtp")  # then the crash
        later(f, 10)
        assert await reconcile_due(f.ctx) == 1
        assert f.store.uncertain == {}
        assert f.interactions()[-1].kind == "message_sent"

    async def test_each_run_is_bounded(self, f: Fixture) -> None:
        for _ in range(3):
            await uncertain_email(f)
        f.email.askable = True
        later(f, 10)
        assert await reconcile_due(f.ctx, limit=2) == 2
        assert len(f.store.uncertain) == 1

    async def test_failed_by_a_providers_receipt_its_code_is_not_sent(self, f: Fixture) -> None:
        _, key = await uncertain_email(f)
        await f.store.settle(key, SendStatus.FAILED, "wx-1", "smtp")  # a failure receipt
        later(f, 10)
        assert await reconcile_due(f.ctx) == 1
        last = f.interactions()[-1]
        assert (last.kind, last.verification_code) == (
            "send_not_sent",
            f.interactions()[0].verification_code,
        )
        assert f.store.uncertain == {}
