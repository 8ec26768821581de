"""The registry: which channels and callbacks the settings ask for, from the environment too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import ValidationError

from services.notifier.adapters.channels.registry import PROVIDERS, build_callbacks, build_channels
from services.notifier.adapters.channels.resilience import Failover, Resilient
from services.notifier.adapters.channels.tencent import TencentSettings
from services.notifier.adapters.channels.wechat import WeChatSettings
from services.notifier.settings import Settings


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


class TestBuildChannels:
    async def test_no_provider_listed_means_no_sms_and_no_app_no_wechat(
        self, session: aiohttp.ClientSession
    ) -> None:
        assert build_channels(Settings(), session) == {}

    async def test_sms_fails_over_in_the_listed_order(self, session: aiohttp.ClientSession) -> None:
        settings = Settings(sms_providers=("tencent", "aliyun"))
        sms = build_channels(settings, session)["sms"]
        assert isinstance(sms, Failover)
        assert [m.provider for m in sms.members] == ["tencent", "aliyun"]

    async def test_each_member_takes_its_own_settings(self, session: aiohttp.ClientSession) -> None:
        settings = Settings(
            sms_providers=("tencent",),
            tencent=TencentSettings(per_number_interval_s=0.0),
        )
        sms = build_channels(settings, session)["sms"]
        assert isinstance(sms, Failover)
        [tencent] = sms.members
        assert tencent._per_number_s == 0.0

    async def test_wechat_is_on_with_an_app_id(self, session: aiohttp.ClientSession) -> None:
        channels = build_channels(Settings(wechat=WeChatSettings(app_id="wx1")), session)
        assert list(channels) == ["wechat"]
        assert isinstance(channels["wechat"], Resilient)
        assert channels["wechat"].provider == "wechat"


def test_every_provider_answers_its_callbacks_whether_configured_or_not() -> None:
    plugs = build_callbacks(Settings())
    assert set(plugs) == set(PROVIDERS) == {"aliyun", "tencent", "twilio", "wechat"}
    assert all(plug.routes for plug in plugs.values())


class TestSettingsFromTheEnvironment:
    def test_nested_names_are_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DUNWELL_NOTIFIER_TENCENT__SECRET_ID", "AKIDx")
        monkeypatch.setenv("DUNWELL_NOTIFIER_TWILIO__FROM_NUMBER", "+15005550006")
        monkeypatch.setenv("DUNWELL_NOTIFIER_WECHAT__CALLBACK_TOKEN", "tok")
        settings = Settings()
        assert settings.tencent.secret_id == "AKIDx"  # noqa: S105
        assert settings.twilio.from_number == "+15005550006"
        assert settings.wechat.callback_token.get_secret_value() == "tok"

    def test_the_flat_names_of_earlier_releases_are_not(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DUNWELL_NOTIFIER_TENCENT_SECRET_ID", "AKIDx")
        assert Settings().tencent.secret_id == ""

    def test_an_unknown_name_under_a_provider_stops_the_start(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DUNWELL_NOTIFIER_TWILIO__FROM", "+15005550006")
        with pytest.raises(ValidationError, match=r"twilio\.from"):
            Settings()
