"""Asking Tencent and Twilio whether an uncertain send arrived, against the provider sandbox
(real HTTP, real signatures), and Twilio sends through a Messaging Service."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox.providers import ProviderSandbox
from services.notifier.adapters.channels.errors import ProviderMisconfigured
from services.notifier.adapters.channels.resilience import Resilient, RetryPolicy
from services.notifier.adapters.channels.tencent import TencentSms, session_context
from services.notifier.adapters.channels.twilio import TwilioSms
from services.notifier.domain.codes import first_window, spells_avoided
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.sends import code_of_key
from tests.support.providers import (
    CRED,
    SECRET,
    message,
    sandbox,
    sandbox_fault,
    session,
    sms,
    tencent_sms,
    twilio_sms,
)

__all__ = ["sandbox", "session"]  # the fixtures: the provider sandbox, a session of short timeouts
FAST = RetryPolicy(attempts=3, base_s=0.01, cap_s=0.05, reconcile_after_s=0.05)
CN, US = "+8613800000021", "+14155550121"


def tencent(sandbox: ProviderSandbox, session: aiohttp.ClientSession) -> TencentSms:
    return tencent_sms(session, f"{sandbox.url}/tencent/")


def twilio(
    sandbox: ProviderSandbox,
    session: aiohttp.ClientSession,
    sender: dict[str, str] | None = None,
    page_size: int = 100,
) -> TwilioSms:
    return twilio_sms(session, f"{sandbox.url}/twilio", sender, page_size)


class TestTencentStatusPull:
    async def test_the_send_is_found_by_its_session_context_among_others(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client = tencent(sandbox, session)
        serials = {
            key: await client.attempt(CN, message(key), key=key, message_id="ignored")
            for key in ("a|sms", "b|sms", "c|sms")
        }
        assert await client.reconcile(CN, key="b|sms") == serials["b|sms"]
        assert [m.provider_id for m in sandbox.state.received] == list(serials.values())

    async def test_a_send_not_reported_stays_uncertain(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client = tencent(sandbox, session)
        await client.attempt(CN, message("a|sms"), key="a|sms", message_id="m")
        # Absent from a status pull proves nothing: a report may come minutes later.
        with pytest.raises(DeliveryUncertain, match="no status reported"):
            await client.reconcile(CN, key="other|sms")
        with pytest.raises(DeliveryUncertain):
            await client.reconcile("+8613800000099", key="a|sms")

    async def test_a_failing_pull_is_uncertain_not_absent(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client = tencent(sandbox, session)
        await client.attempt(CN, message("a|sms"), key="a|sms", message_id="m")
        await sandbox_fault(sandbox, "tencent", "5xx", count=1)
        with pytest.raises(DeliveryUncertain, match="cannot reconcile now"):
            await client.reconcile(CN, key="a|sms")
        assert await client.reconcile(CN, key="a|sms")

    def test_the_session_context_is_derived_from_our_key_alone(self) -> None:
        assert session_context("r1|sms") == session_context("r1|sms")
        assert session_context("r1|sms") != session_context("r1|email")
        assert "r1" not in session_context("r1|sms")


class TestTwilioMessageList:
    async def test_a_timeout_after_acceptance_is_found_by_its_code_not_resent(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "twilio", "timeout", count=1)
        client = Resilient(twilio(sandbox, session), rate_per_s=100, policy=FAST)
        provider, sid = await client.send(US, message("t1|sms", "en"), key="t1|sms", message_id="m")
        assert provider == "twilio"
        assert [(m.provider, m.provider_id) for m in sandbox.state.received] == [("twilio", sid)]

    async def test_the_send_is_found_on_a_later_page(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client = twilio(sandbox, session, page_size=2)
        first = await client.attempt(US, message("p0|sms", "en"), key="p0|sms", message_id="m")
        for n in range(1, 6):  # newer messages to the same number push ours to page 3
            key = f"p{n}|sms"
            await client.attempt(US, message(key, "en"), key=key, message_id="m")
        assert await client.reconcile(US, key="p0|sms") == first

    async def test_a_send_made_before_clean_codes_is_found_by_the_code_it_carried(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        # A key whose digest begins with a word: its message went out with that first window
        # under earlier versions; today's code for it is another window.
        key = next(
            k
            for k in (f"old{n}|sms" for n in range(1_000_000))
            if spells_avoided(first_window(SECRET, k))
        )
        client = twilio(sandbox, session)
        sent = await client.attempt(
            US, sms(first_window(SECRET, key), "en"), key=key, message_id="m"
        )
        assert code_of_key(SECRET, key) != first_window(SECRET, key)
        assert await client.reconcile(US, key=key) == sent

    async def test_a_send_not_listed_stays_uncertain(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client = twilio(sandbox, session)
        await client.attempt(US, message("t2|sms", "en"), key="t2|sms", message_id="m")
        with pytest.raises(DeliveryUncertain, match="not in the sent messages"):
            await client.reconcile(US, key="t3|sms")
        with pytest.raises(DeliveryUncertain):
            await client.reconcile("+14155550199", key="t2|sms")

    async def test_a_refused_list_is_uncertain(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "twilio", "5xx", count=1)
        with pytest.raises(DeliveryUncertain, match=r"cannot reconcile now|refused"):
            await twilio(sandbox, session).reconcile(US, key="t2|sms")


class TestTwilioMessagingService:
    async def test_a_send_through_the_service_names_no_from_number(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        service = {"MessagingServiceSid": CRED.twilio_messaging_service}
        client = twilio(sandbox, session, sender=service)
        sid = await client.attempt(US, message("s1|sms", "en"), key="s1|sms", message_id="m")
        assert [m.provider_id for m in sandbox.state.received] == [sid]
        assert await client.reconcile(US, key="s1|sms") == sid

    async def test_an_unknown_service_is_our_misconfiguration(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        wrong = {"MessagingServiceSid": "MG" + "0" * 32}
        with pytest.raises(ProviderMisconfigured, match="21701"):
            await twilio(sandbox, session, sender=wrong).attempt(
                US, message("s2|sms", "en"), key="s2|sms", message_id="m"
            )
        assert sandbox.state.received == []

    def test_a_sender_is_one_from_or_one_service(self, session: aiohttp.ClientSession) -> None:
        for sender in ({}, {"From": "+1", "MessagingServiceSid": "MG1"}, {"To": "+1"}):
            with pytest.raises(ValueError, match="one From or one MessagingServiceSid"):
                TwilioSms(
                    session,
                    endpoint="http://127.0.0.1:1",
                    account_sid="AC1",
                    auth_token="t",
                    sender=sender,
                    status_callback=None,
                )
