"""Pure notifier rules: a send as a value, its key and code, what the gate is asked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from services.notifier.domain.codes import clean_code, first_window
from services.notifier.domain.model import DirectoryEntry, GateFacts
from services.notifier.domain.policy.scenario import Scenario
from services.notifier.domain.templates import Institution, Rendered, request_dates
from shared.events import Channel, ContactRequested


def send_key(request_id: str, channel: Channel) -> str:
    """The ledger's unique key: one send per (request, channel), whatever happens."""
    return f"{request_id}|{channel}"


def verification_code(secret: bytes, request_id: str, channel: Channel) -> str:
    """An 8-character code the borrower can check on the bank's verification page.

    :param secret: the bank's verification key.
    :param request_id: the contact request.
    :param channel: the channel the message goes by.
    """
    return code_of_key(secret, send_key(request_id, channel))


def code_of_key(secret: bytes, key: str) -> str:
    """The verification code of the send whose ledger key is ``key`` (see :func:`send_key`):
    eight base32 characters of an HMAC of the key that spell no avoided word (see codes)."""
    return clean_code(secret, key)


def codes_of_key(secret: bytes, key: str) -> tuple[str, ...]:
    """Every code the send of ``key`` may carry: its code and, where that differs, the one
    versions before clean codes gave it (a send made then may still be reconciled now)."""
    code, first = clean_code(secret, key), first_window(secret, key)
    return (code,) if code == first else (code, first)


@dataclass(frozen=True)
class Send:
    """One (request, channel) send: its ledger key and verification code, whatever becomes of it."""

    request: ContactRequested
    channel: Channel
    key: str
    code: str

    @classmethod
    def of(cls, request: ContactRequested, channel: Channel, secret: bytes) -> Send:
        """The send of ``request`` on ``channel``, its code made with the bank's ``secret``."""
        key = send_key(request.event_id, channel)
        return cls(request, channel, key, verification_code(secret, request.event_id, channel))

    def addressed(self, address: str, message: Rendered) -> Delivery:
        """This send with its address and rendered message, ready for the gate and channel."""
        return Delivery(self.request, self.channel, self.key, self.code, address, message)


@dataclass(frozen=True)
class Delivery(Send):
    """A send with its address and rendered message: what the gate judges, the channel sends."""

    address: str
    message: Rendered


def contact_point_id(channel: Channel, address: str) -> str:
    """A stable, non-reversible id of a contact point, for per-number caps without the number."""
    return hashlib.sha256(f"{channel}:{address.strip().lower()}".encode()).hexdigest()[:32]


def points_of(entry: DirectoryEntry) -> list[str]:
    """The contact-point ids of every address in a directory entry."""
    addresses: tuple[tuple[Channel, str | None], ...] = (
        ("sms", entry.mobile),
        ("email", entry.email),
        ("wechat", entry.wechat_openid),
    )
    return [
        contact_point_id(channel, address) for channel, address in addresses if address is not None
    ]


def message_text(message: Rendered, channel: Channel) -> str:
    """What the borrower reads: the subject counts for email."""
    return f"{message.subject}\n{message.body}" if channel == "email" else message.body


def gate_scenario(
    request: ContactRequested,
    channel: Channel,
    entry: DirectoryEntry,
    facts: GateFacts,
    message: Rendered,
    *,
    institution: Institution,
    code: str,
    now: datetime,
) -> Scenario:
    """The question the compliance gate answers for one send, at dispatch time."""
    address = entry.address(channel) or ""
    point = contact_point_id(channel, address)
    return Scenario(
        now=now,
        channel=channel,
        debtor={"timezones": list(entry.timezones), "state": "reachable"},
        recipient={
            "role": entry.role,
            "provenance": entry.provenance,
            # A wrong number reported on a call never reaches the debtor by text either.
            "verified": entry.verified and point not in facts.unusable,
        },
        history=facts.history,
        opt_outs=facts.opt_outs,
        consents=list(entry.consents),
        debt_id=request.loan_id,
        holds=list(facts.holds),
        text=message_text(message, channel),
        contact_point=point,
        # What the text must say, as the message's own locale writes it.
        expected={
            "institution": institution.texts(message.locale).name,
            "account_masked": request.account_masked[-4:],
            "amount_due": f"{request.amount_due:,.2f}",
            "pay_by": request_dates(request, message.locale)["pay_by"],
            "verification_code": code,
        },
    )
