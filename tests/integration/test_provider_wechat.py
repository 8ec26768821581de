"""The WeChat template client against the provider sandbox: tokens, templates, refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import pytest

from sandbox.providers import ProviderSandbox
from services.notifier.adapters.channels.errors import (
    ProviderMisconfigured,
    RecipientRefused,
)
from services.notifier.adapters.channels.wechat import TokenCache, WeChatTemplates
from services.notifier.domain.model import SendLater
from services.notifier.domain.templates import Rendered, TemplateRegistry
from services.notifier.domain.wechat_copy import WeChatMessage
from shared.testing.factories import contact_request
from tests.support.providers import BANK, CRED, sandbox, sandbox_fault, session

__all__ = ["sandbox", "session"]  # the fixtures: the provider sandbox, a session of short timeouts
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


class TestWeChat:
    def client(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> tuple[WeChatTemplates, TokenCache]:
        tokens = TokenCache(
            session,
            endpoint=f"{sandbox.url}/wechat",
            app_id=CRED.wechat_app_id,
            app_secret=CRED.wechat_secret,
        )
        return WeChatTemplates(
            session, tokens, endpoint=f"{sandbox.url}/wechat", link_url=None
        ), tokens

    def wechat_message(self, kind: WeChatMessage = "template") -> Rendered:
        return TemplateRegistry.load().render(
            contact_request(), "wechat", "zh-CN", BANK, "WXCODE23", kind
        )

    @pytest.mark.parametrize("kind", ["template", "subscribe"])
    async def test_the_phone_shows_exactly_the_text_the_gate_judged(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession, kind: WeChatMessage
    ) -> None:
        client, _ = self.client(sandbox, session)
        message = self.wechat_message(kind)
        found = await client.attempt(OPENID, message, key="r1|wechat", message_id="m")
        [shown] = sandbox.state.received
        assert shown.text == message.body  # WeChat fills its approved copy with our fields
        assert shown.code == "WXCODE23"
        # A subscribe message is answered without an id: it is known by our key until its
        # send-finished push names it.
        assert (found == "r1|wechat") is (kind == "subscribe")
        assert found == "r1|wechat" or found.isdigit()

    async def test_a_subscribe_field_wechat_would_refuse_is_refused_as_misconfigured(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, _ = self.client(sandbox, session)
        good = self.wechat_message("subscribe")
        bad = replace(good, wechat_fields=good.wechat_fields | {"amount3": "1,234.50元"})
        with pytest.raises(ProviderMisconfigured, match="47003"):
            await client.attempt(OPENID, bad, key="r2|wechat", message_id="m")
        assert sandbox.state.received == []

    async def test_the_token_is_fetched_once_and_shared(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, tokens = self.client(sandbox, session)
        for i in range(3):
            await client.attempt(OPENID, self.wechat_message(), key=f"k{i}", message_id="m")
        assert tokens.refreshes == 1
        assert len(sandbox.state.received) == 3

    async def test_an_expired_token_is_refreshed_and_the_send_retried(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, tokens = self.client(sandbox, session)
        await client.attempt(OPENID, self.wechat_message(), key="k1", message_id="m")
        await sandbox_fault(sandbox, "wechat", "42001", count=1)
        await client.attempt(OPENID, self.wechat_message(), key="k2", message_id="m")
        assert tokens.refreshes == 2
        assert len(sandbox.state.received) == 2

    async def test_the_daily_quota_defers_to_the_next_china_midnight(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, _ = self.client(sandbox, session)
        client._clock = lambda: datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
        await sandbox_fault(sandbox, "wechat", "45009", count=1)
        with pytest.raises(SendLater) as deferred:
            await client.attempt(OPENID, self.wechat_message(), key="k", message_id="m")
        assert deferred.value.until == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
        assert sandbox.state.received == []

    async def test_a_group_or_unknown_recipient_is_refused(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, _ = self.client(sandbox, session)
        with pytest.raises(RecipientRefused, match="40003"):
            await client.attempt("group@chatroom", self.wechat_message(), key="k", message_id="m")
