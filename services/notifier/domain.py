"""Pure notifier rules: who may be contacted, what a message must say, its verification code."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from shared.events import Channel, ContactRequested


@dataclass(frozen=True)
class ContactPoint:
    """How to reach one debtor, as the directory knows it."""

    debtor_id: str
    email: str | None
    mobile: str | None
    locale: str
    timezone: str


@dataclass(frozen=True)
class Institution:
    """What every collection message says about the bank itself."""

    name: str
    payment_instructions: str
    complaint_channel: str
    privacy_notice_url: str
    verification_url: str
    official_hotline: str


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready for a channel."""

    subject: str
    body: str


class NoContactPoint(Exception):
    """The debtor has no contact point on the requested channel."""


def send_key(request_id: str, channel: Channel) -> str:
    """The ledger's unique key: one send per (request, channel), whatever happens."""
    return f"{request_id}|{channel}"


def verification_code(secret: bytes, request_id: str, channel: Channel) -> str:
    """An 8-character code the borrower can check on the bank's verification page.

    :param secret: the bank's verification key.
    :param request_id: the contact request.
    :param channel: the channel the message goes by.
    """
    digest = hmac.new(secret, send_key(request_id, channel).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:8].decode()


def email_address(contact: ContactPoint | None) -> str:
    """The debtor's email address or :class:`NoContactPoint`."""
    if contact is None or not contact.email:
        raise NoContactPoint("no email contact point for the debtor")
    return contact.email


def render_email(request: ContactRequested, institution: Institution, code: str) -> RenderedMessage:
    """The overdue notice: what is owed, how and by when to pay, where to complain, how to verify.

    :param request: what to say.
    :param institution: who says it.
    :param code: the message's verification code.
    """
    amount = f"{request.currency} {request.amount_due:,.2f}"
    subject = (
        f"{institution.name}: payment of {amount} is overdue on account {request.account_masked}"
    )
    body = "\n".join(
        [
            "Dear customer,",
            "",
            f"The instalment of {amount} on your loan account {request.account_masked}, "
            f"due on {request.due_date.isoformat()}, is {request.days_past_due} day(s) overdue.",
            f"Please pay by {request.pay_by.isoformat()} "
            f"through {institution.payment_instructions}.",
            "Pay only through these official channels; "
            "the bank never asks you to pay a personal account.",
            "If you cannot pay in full, reply or call us "
            "to discuss an extension or instalment plan.",
            "",
            f"Complaints: {institution.complaint_channel}",
            f"Privacy notice: {institution.privacy_notice_url}",
            f"Verify this message: {institution.verification_url} code {code}, "
            f"or call {institution.official_hotline}.",
            "",
            institution.name,
        ]
    )
    return RenderedMessage(subject=subject, body=body)
