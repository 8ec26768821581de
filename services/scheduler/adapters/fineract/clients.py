"""Fineract's clients onto the notifier's directory: ClientDataV1 to contact details.

Only the client id (the debtor id), the mobile number (to E.164 with the bank's default region)
and the email address are read. Names, gender, date of birth and every other personal field of
the payload are never read; the protected ones are counted as dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import phonenumbers

from shared.events import ContactDetailsChanged, Event
from shared.protected import strip_protected

Payload = dict[str, Any]

_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Client events whose details Dunwell keeps. A rejected applicant has no loan to collect, so
#: their details are not copied (data minimisation).
CLIENT_TYPES: Final = frozenset({"ClientCreateBusinessEvent", "ClientActivateBusinessEvent"})


@dataclass(frozen=True)
class ClientDefaults:
    """What Fineract does not say about a client: the bank's region (for numbers entered
    without a country code), the borrower's language and time zone."""

    region: str = "CN"
    locale: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    #: Whether the bank verified its clients' numbers at onboarding (the gate requires it in cn).
    verified: bool = True


def e164(number: str | None, region: str) -> str | None:
    """``number`` in E.164, read with ``region`` when it has no country code; None when it is
    not a valid number."""
    if not number or not number.strip():
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def protected_in(payload: Payload) -> int:
    """How many protected attributes the payload carries with a value (never read)."""
    present = {k: v for k, v in payload.items() if v is not None}
    _, dropped = strip_protected(present)
    return dropped


def contact_details(
    base: dict[str, Any], payload: Payload, defaults: ClientDefaults
) -> tuple[Event, ...]:
    """The contact details a client event carries; none when it has no usable contact point."""
    mobile = e164(payload.get("mobileNo"), defaults.region)
    email = (payload.get("emailAddress") or "").strip() or None
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        email = None
    if payload.get("id") is None or (mobile is None and email is None):
        return ()
    return (
        ContactDetailsChanged(
            **base,
            debtor_id=str(payload["id"]),
            mobile=mobile,
            email=email,
            locale=defaults.locale,
            timezone=defaults.timezone,
            role="debtor",
            provenance="core_banking",
            verified=defaults.verified,
        ),
    )
