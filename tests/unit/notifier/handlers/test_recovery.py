"""A send found pending after a crash: recovered without a blind resend."""

from __future__ import annotations

from services.notifier.domain.model import GateTicket, SendStatus
from services.notifier.domain.sends import send_key
from services.notifier.handlers.sending import send_contact_request
from shared.events import ContactRequested
from shared.testing.factories import contact_request
from tests.unit.notifier.handlers.support import Fixture


class TestRecovery:
    async def crashed_mid_send(
        self, f: Fixture, provider: str | None
    ) -> tuple[ContactRequested, str]:
        """The gate claimed the send and (maybe) noted a provider, then the process died."""
        from services.notifier.domain.policy.scenario import Decision, Outcome

        request = contact_request()
        await f.debtor(request.debtor_id)
        key = send_key(request.event_id, "email")
        ticket = GateTicket(key, request.debtor_id, request.loan_id, "email", "cp", f.now, b"")
        await f.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
        if provider:
            await f.store.mark_attempt(key, provider)
        return request, key

    async def test_crash_before_any_provider_was_called_sends_once(self, f: Fixture) -> None:
        request, key = await self.crashed_mid_send(f, provider=None)
        await send_contact_request(request, f.ctx)
        assert len(f.email.sent) == 1
        entry = await f.store.entry(key)
        assert entry is not None
        assert entry.status is SendStatus.SENT

    async def test_crash_with_a_provider_that_cannot_be_asked_is_never_resent(
        self, f: Fixture
    ) -> None:
        request, key = await self.crashed_mid_send(f, provider="smtp")
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        entry = await f.store.entry(key)
        assert entry is not None
        assert entry.status is SendStatus.UNCERTAIN
        # Recorded again on the redelivery (a crash may have lost the first), as one event.
        assert f.kinds() == ["send_uncertain", "send_uncertain"]
        assert len({i.event_id for i in f.interactions()}) == 1
        [kept] = f.store.uncertain.values()
        assert (kept.key, kept.provider) == (key, "smtp")

    async def test_crash_after_the_provider_took_it_is_reconciled_not_resent(
        self, f: Fixture
    ) -> None:
        request, key = await self.crashed_mid_send(f, provider="smtp")
        f.email.askable, f.email.known[key] = True, "provider-id-7"
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        entry = await f.store.entry(key)
        assert entry is not None
        assert (entry.status, entry.provider_message_id) == (SendStatus.SENT, "provider-id-7")
        assert f.kinds() == ["message_sent"]

    async def test_crash_before_the_provider_took_it_is_sent_once(self, f: Fixture) -> None:
        request, key = await self.crashed_mid_send(f, provider="smtp")
        f.email.askable = True  # the provider says it has nothing under our key
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert len(f.email.sent) == 1
        entry = await f.store.entry(key)
        assert entry is not None
        assert entry.status is SendStatus.SENT
