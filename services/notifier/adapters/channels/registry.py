"""Every provider plug, and the channels and callbacks the settings ask for.

Adding a provider is one new module (its settings, client, ``client`` and ``callbacks``
factories) plus its line in :data:`PROVIDERS` and its field in the settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import aiohttp

from services.notifier.adapters.channels import aliyun, tencent, twilio, wechat
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import Failover, Resilient, RetryPolicy
from services.notifier.ports import CallbackPlug, ChannelClient
from services.notifier.settings import Settings
from shared.events import Channel

S = TypeVar("S")


@dataclass(frozen=True)
class Plug(Generic[S]):
    """One provider: the channel it serves, where its settings are, how to build it."""

    channel: Channel
    settings: Callable[[Settings], S]
    client: Callable[[S, Common, aiohttp.ClientSession], Resilient]
    callbacks: Callable[[S, Common], CallbackPlug]
    #: Whether the settings switch it on, for channels other than SMS (whose providers, in
    #: failover order, ``sms_providers`` lists).
    enabled: Callable[[Settings], bool] = lambda _: False


PROVIDERS: Final[Mapping[str, Plug[Any]]] = {
    "aliyun": Plug("sms", lambda s: s.aliyun, aliyun.client, aliyun.callbacks),
    "tencent": Plug("sms", lambda s: s.tencent, tencent.client, tencent.callbacks),
    "twilio": Plug("sms", lambda s: s.twilio, twilio.client, twilio.callbacks),
    "wechat": Plug(
        "wechat",
        lambda s: s.wechat,
        wechat.client,
        wechat.callbacks,
        enabled=lambda s: bool(s.wechat.app_id),
    ),
}


def common(settings: Settings) -> Common:
    return Common(
        sms_sign_name=settings.sms_sign_name,
        callback_secret=settings.callback_secret.get_secret_value(),
        public_base_url=settings.public_base_url,
        verification_url=settings.verification_url,
        policy=RetryPolicy(attempts=settings.provider_attempts),
        verification_secret=settings.verification_secret.get_secret_value().encode(),
    )


def build_channels(
    settings: Settings, session: aiohttp.ClientSession
) -> dict[Channel, ChannelClient]:
    """SMS with failover in ``sms_providers`` order when any is listed; WeChat when an app is.

    Email is not a provider plug: the caller adds it.
    """
    shared = common(settings)
    sms = [
        PROVIDERS[name].client(PROVIDERS[name].settings(settings), shared, session)
        for name in settings.sms_providers
    ]
    channels: dict[Channel, ChannelClient] = {"sms": Failover(sms)} if sms else {}
    for plug in PROVIDERS.values():
        if plug.channel != "sms" and plug.enabled(settings):
            channels[plug.channel] = plug.client(plug.settings(settings), shared, session)
    return channels


def build_callbacks(settings: Settings) -> dict[str, CallbackPlug]:
    """Every provider's callbacks, configured or not: a console may still post to its URLs."""
    shared = common(settings)
    return {
        name: plug.callbacks(plug.settings(settings), shared) for name, plug in PROVIDERS.items()
    }
