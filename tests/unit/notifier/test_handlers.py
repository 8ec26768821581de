"""Sending a contact request exactly once, whatever happens around the provider call."""

from __future__ import annotations

import pytest

from services.notifier.adapters.memory import (
    InMemoryContactDirectory,
    InMemoryMailer,
    InMemorySendLedger,
)
from services.notifier.domain import send_key
from services.notifier.handlers import SendContext, record_contact_details, send_contact_request
from services.notifier.ports import DeliveryUncertain, SendStatus
from shared.errors import PermanentError, RetryableError
from shared.events import InteractionRecorded
from shared.testing.factories import contact_details, contact_request
from shared.testing.memory import InMemoryEventPublisher
from tests.unit.notifier.test_domain import BANK

TOPIC = "dunwell.interactions.v1"


class Fixture:
    def __init__(self) -> None:
        self.directory = InMemoryContactDirectory()
        self.ledger = InMemorySendLedger()
        self.mailer = InMemoryMailer()
        self.publisher = InMemoryEventPublisher()
        self.ctx = SendContext(
            directory=self.directory,
            ledger=self.ledger,
            mailer=self.mailer,
            publisher=self.publisher,
            interactions_topic=TOPIC,
            institution=BANK,
            verification_secret=b"secret",
            mail_domain="bank.example",
        )

    def interactions(self) -> list[InteractionRecorded]:
        found = self.publisher.events(TOPIC)
        assert all(isinstance(e, InteractionRecorded) for e in found)
        return [e for e in found if isinstance(e, InteractionRecorded)]


@pytest.fixture
def f() -> Fixture:
    return Fixture()


class TestSendContactRequest:
    async def test_sends_one_email_and_records_it(self, f: Fixture) -> None:
        request = contact_request()
        await record_contact_details(contact_details(request.debtor_id), directory=f.directory)
        await send_contact_request(request, f.ctx)
        [(to, message, _)] = f.mailer.sent
        assert to == f"{request.debtor_id}@borrower.example"
        assert "****5678" in message.body
        [interaction] = f.interactions()
        assert interaction.kind == "message_sent"
        assert interaction.request_id == request.event_id
        assert interaction.verification_code is not None
        assert interaction.verification_code in message.body

    async def test_a_redelivered_request_is_not_sent_again(self, f: Fixture) -> None:
        request = contact_request()
        await record_contact_details(contact_details(request.debtor_id), directory=f.directory)
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert len(f.mailer.sent) == 1
        # The interaction is re-published with the same id: the audit log keeps it once.
        assert len({i.event_id for i in f.interactions()}) == 1

    async def test_no_contact_point_blocks_and_records_why(self, f: Fixture) -> None:
        await send_contact_request(contact_request(), f.ctx)
        assert f.mailer.sent == []
        [interaction] = f.interactions()
        assert interaction.kind == "send_blocked"

    async def test_provider_unavailable_releases_the_claim_for_a_retry(self, f: Fixture) -> None:
        request = contact_request()
        await record_contact_details(contact_details(request.debtor_id), directory=f.directory)
        f.mailer.fail_with = RetryableError("connection refused")
        with pytest.raises(RetryableError):
            await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert len(f.mailer.sent) == 1

    async def test_a_permanent_refusal_is_recorded_and_not_retried(self, f: Fixture) -> None:
        request = contact_request()
        await record_contact_details(contact_details(request.debtor_id), directory=f.directory)
        f.mailer.fail_with = PermanentError("550 mailbox unavailable")
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert f.mailer.sent == []
        assert f.ledger.rows[send_key(request.event_id, "email")].status is SendStatus.FAILED
        assert [i.kind for i in f.interactions()] == ["send_failed"]

    async def test_a_session_lost_mid_send_is_never_resent(self, f: Fixture) -> None:
        request = contact_request()
        await record_contact_details(contact_details(request.debtor_id), directory=f.directory)
        f.mailer.fail_with = DeliveryUncertain("connection dropped after DATA")
        await send_contact_request(request, f.ctx)
        await send_contact_request(request, f.ctx)
        assert f.mailer.sent == []
        assert f.ledger.rows[send_key(request.event_id, "email")].status is SendStatus.UNCERTAIN
        assert {i.kind for i in f.interactions()} == {"send_uncertain"}

    async def test_a_crash_between_provider_call_and_ledger_update_is_not_resent(
        self, f: Fixture
    ) -> None:
        # The claim was written, the provider may have been called, then the process died:
        # the row is still PENDING when the request is redelivered.
        request = contact_request()
        await record_contact_details(contact_details(request.debtor_id), directory=f.directory)
        await f.ledger.claim(send_key(request.event_id, "email"), debtor_id="d", channel="email")
        await send_contact_request(request, f.ctx)
        assert f.mailer.sent == []
        assert f.ledger.rows[send_key(request.event_id, "email")].status is SendStatus.UNCERTAIN
        assert [i.kind for i in f.interactions()] == ["send_uncertain"]


class TestDirectory:
    async def test_an_older_event_never_overwrites_a_newer_one(self, f: Fixture) -> None:
        newer = contact_details("d1", email="new@borrower.example")
        older = contact_details(
            "d1", email="old@borrower.example", occurred_at=newer.occurred_at.replace(year=2025)
        )
        await record_contact_details(newer, directory=f.directory)
        await record_contact_details(older, directory=f.directory)
        found = await f.directory.get("d1")
        assert found is not None
        assert found.email == "new@borrower.example"
