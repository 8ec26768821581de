"""What the provider answered: sent, refused, exhausted, maybe sent."""

from __future__ import annotations

import pytest

from services.notifier.domain.model import DeliveryUncertain, SendStatus
from services.notifier.domain.sends import send_key
from services.notifier.handlers.context import DeliveryExhausted
from services.notifier.handlers.sending import send_contact_request
from shared.errors import PermanentError, RetryableError
from shared.testing.factories import contact_request
from tests.unit.notifier.handlers.support import Fixture


class TestProviderOutcomes:
    async def test_transient_failure_releases_the_claim_and_dead_letters(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id)
        f.email.fail_with = RetryableError("connection refused")
        with pytest.raises(DeliveryExhausted):
            await send_contact_request(request, f.ctx)
        assert await f.store.entry(send_key(request.event_id, "email")) is None
        await send_contact_request(request, f.ctx)  # a redrive sends it
        assert len(f.email.sent) == 1

    async def test_a_permanent_refusal_is_recorded_and_not_retried(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id)
        f.email.fail_with = PermanentError("550 mailbox unavailable")
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        entry = await f.store.entry(send_key(request.event_id, "email"))
        assert entry is not None
        assert entry.status is SendStatus.FAILED
        assert f.kinds() == ["send_failed"]

    async def test_a_session_lost_mid_send_is_never_resent(self, f: Fixture) -> None:
        request = contact_request()
        await f.debtor(request.debtor_id)
        f.email.fail_with = DeliveryUncertain("connection dropped after DATA")
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert f.email.sent == []
        entry = await f.store.entry(send_key(request.event_id, "email"))
        assert entry is not None
        assert entry.status is SendStatus.UNCERTAIN
        assert set(f.kinds()) == {"send_uncertain"}
