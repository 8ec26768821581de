"""Build the channel clients the settings ask for (one HTTP session for all providers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiohttp

from services.notifier.channels.aliyun import AliyunSms
from services.notifier.channels.resilience import Failover, ProviderClient, Resilient, RetryPolicy
from services.notifier.channels.tencent import TencentSms
from services.notifier.channels.twilio import TwilioSms
from services.notifier.channels.wechat import TokenCache, WeChatTemplates
from services.notifier.ports import ChannelClient
from services.notifier.settings import Settings
from shared.events import Channel


def _sms_client(
    name: str, settings: Settings, session: aiohttp.ClientSession, clock: Callable[[], datetime]
) -> tuple[ProviderClient, float]:
    s = settings
    if name == "aliyun":
        client: ProviderClient = AliyunSms(
            session,
            endpoint=s.aliyun_endpoint,
            access_key_id=s.aliyun_access_key_id,
            access_key_secret=s.aliyun_access_key_secret.get_secret_value(),
            sign_name=s.sms_sign_name,
        )
        return client, s.aliyun_rate_per_s
    if name == "tencent":
        client = TencentSms(
            session,
            endpoint=s.tencent_endpoint,
            secret_id=s.tencent_secret_id,
            secret_key=s.tencent_secret_key.get_secret_value(),
            sdk_app_id=s.tencent_sdk_app_id,
            sign_name=s.sms_sign_name,
        )
        return client, s.tencent_rate_per_s
    client = TwilioSms(
        session,
        endpoint=s.twilio_endpoint,
        account_sid=s.twilio_account_sid,
        auth_token=s.twilio_auth_token.get_secret_value(),
        sender=s.twilio_from,
        status_callback=f"{s.public_base_url.rstrip('/')}/v1/callbacks/twilio/status",
    )
    return client, s.twilio_rate_per_s


def build_channels(
    settings: Settings,
    session: aiohttp.ClientSession,
    email: ChannelClient,
    clock: Callable[[], datetime],
) -> dict[Channel, ChannelClient]:
    """Email always; SMS with failover when providers are configured; WeChat when an app is."""
    policy = RetryPolicy(attempts=settings.provider_attempts)
    channels: dict[Channel, ChannelClient] = {"email": email}
    members = []
    for name in settings.sms_providers:
        client, rate = _sms_client(name, settings, session, clock)
        interval = settings.tencent_per_number_interval_s if name == "tencent" else 0.0
        members.append(
            Resilient(client, rate_per_s=rate, policy=policy, per_number_interval_s=interval)
        )
    if members:
        channels["sms"] = Failover(members)
    if settings.wechat_app_id:
        tokens = TokenCache(
            session,
            endpoint=settings.wechat_endpoint,
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret.get_secret_value(),
        )
        wechat = WeChatTemplates(
            session, tokens, endpoint=settings.wechat_endpoint, link_url=settings.verification_url
        )
        channels["wechat"] = Resilient(wechat, rate_per_s=settings.wechat_rate_per_s, policy=policy)
    return channels
