"""Our Tencent and Twilio SMS clients against the provider sandbox for the integration tests:
the sandbox's credentials, the SMS a send renders (its verification code in it), the sandbox
and an HTTP session as fixtures, the sandbox's faults switched on, and the clients pointed at a
stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.providers import Credentials, ProviderSandbox
from services.notifier.adapters.channels.tencent import TencentSms
from services.notifier.adapters.channels.twilio import TwilioSms
from services.notifier.domain.sends import code_of_key
from services.notifier.domain.templates import Institution, Rendered, TemplateRegistry
from shared.testing.factories import contact_request

CRED = Credentials()
BANK = Institution.model_validate(
    {"zh_cn": {"name": CRED.sign_name}, "en": {"name": CRED.sign_name}}
)
#: The notifier's verification secret: a send's code is derived from its key under it.
SECRET = b"provider-test-key"


def sms(code: str = "ABCD2345", locale: str = "zh-CN") -> Rendered:
    """The bank's SMS to a borrower, carrying the verification code ``code``."""
    return TemplateRegistry.load().render(contact_request(), "sms", locale, BANK, code)  # type: ignore[arg-type]


def message(key: str, locale: str = "zh-CN") -> Rendered:
    """The SMS of send ``key``, carrying that send's verification code."""
    return sms(code_of_key(SECRET, key), locale)


@pytest.fixture
async def sandbox() -> AsyncIterator[ProviderSandbox]:
    """Every provider's stand-in on a local port."""
    server = await ProviderSandbox().start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Requests that give up after a second: an answer the sandbox holds back (its timeout
    fault) is a timeout, not a wait of a minute."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0)) as s:
        yield s


async def sandbox_fault(
    sandbox: ProviderSandbox, provider: str, kind: str, *, count: int = 0, rate: float = 0.0
) -> None:
    """The sandbox told to fail ``provider``'s next ``count`` requests (or a share ``rate`` of
    them) with ``kind`` (5xx, timeout, 429, a provider's error code)."""
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{sandbox.url}/_faults",
            json={"provider": provider, "kind": kind, "count": count, "rate": rate},
        ) as r,
    ):
        assert r.status == 200


def tencent_sms(session: aiohttp.ClientSession, endpoint: str) -> TencentSms:
    """Our Tencent client, with the sandbox's credentials, posting to ``endpoint``."""
    return TencentSms(
        session,
        endpoint=endpoint,
        secret_id=CRED.tencent_secret_id,
        secret_key=CRED.tencent_secret_key,
        sdk_app_id=CRED.tencent_app_id,
        sign_name=CRED.sign_name,
    )


def twilio_sms(
    session: aiohttp.ClientSession,
    endpoint: str,
    sender: dict[str, str] | None = None,
    page_size: int = 100,
) -> TwilioSms:
    """Our Twilio client, with the sandbox's account, sending from ``sender`` (the sandbox's
    From number unless told) and reading the message list ``page_size`` at a time."""
    return TwilioSms(
        session,
        endpoint=endpoint,
        account_sid=CRED.twilio_sid,
        auth_token=CRED.twilio_token,
        sender=sender or {"From": CRED.twilio_from},
        status_callback=None,
        verification_secret=SECRET,
        page_size=page_size,
    )
