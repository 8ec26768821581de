"""What the provider plugs' factories share: settings that are not any one provider's."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifier.adapters.channels.resilience import RetryPolicy


@dataclass(frozen=True)
class Common:
    #: The approved SMS signature (签名), the same with every Chinese SMS provider.
    sms_sign_name: str
    #: The secret in the URLs of the pushes a provider does not sign (Aliyun, Tencent).
    callback_secret: str
    #: How providers reach the notifier (Twilio signs the full URL; its StatusCallback).
    public_base_url: str
    #: The zh-CN verification page, for what links one page per account (WeChat).
    verification_url: str
    policy: RetryPolicy
    #: The verification codes' key: a message's code names its send (Twilio reconciliation).
    verification_secret: bytes = b""
