"""Shared HTTP handling for provider clients: which transport failures are certain, which not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from services.notifier.adapters.channels.errors import ProviderUnavailable
from services.notifier.domain.model import DeliveryUncertain


def retry_after(response: aiohttp.ClientResponse) -> float | None:
    """The Retry-After header in seconds (the date form is treated as absent)."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@asynccontextmanager
async def provider_call(provider: str) -> AsyncIterator[None]:
    """Map transport failures: no connection means not sent; a lost answer means maybe sent."""
    try:
        yield
    except aiohttp.ClientConnectorError as e:
        raise ProviderUnavailable(f"{provider}: cannot connect") from e
    except (TimeoutError, aiohttp.ServerDisconnectedError) as e:
        raise DeliveryUncertain(f"{provider}: no answer after the request was sent") from e
    except aiohttp.ClientPayloadError as e:
        raise DeliveryUncertain(f"{provider}: answer cut off") from e
    except aiohttp.ClientError as e:
        raise ProviderUnavailable(f"{provider}: {type(e).__name__}") from e
