"""What a provider call can end in, split by what the caller does next."""

from __future__ import annotations

from shared.errors import PermanentError, RetryableError


class ProviderUnavailable(RetryableError):
    """The provider certainly did not take the message (refused connection, 5xx, throttled)."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message, defer_s=retry_after_s or 1.0)
        self.retry_after_s = retry_after_s


class CircuitOpen(ProviderUnavailable):
    """Too many recent failures: the provider is skipped for a while."""


class ProviderMisconfigured(PermanentError):
    """Our credentials, signature name or template are refused: another provider may still work."""

    reason_code = "provider_misconfigured"


class RecipientRefused(PermanentError):
    """The provider refused this recipient or message (invalid number, blocked, unsubscribed)."""

    reason_code = "recipient_refused"
