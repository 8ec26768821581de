"""Delivery status notifications (RFC 3464), pure: what a bounce says about one of our sends."""

from __future__ import annotations

from typing import Final

#: The header carrying the send's ledger key (no personal data: request id and channel), so a
#: bounce quoting the original headers finds the send even without its Message-ID.
SEND_KEY_HEADER: Final = "X-Dunwell-Send"
