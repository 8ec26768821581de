"""Event factories with random suffixes, so tests never collide on ids."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.events import ContactDetailsChanged, ContactRequested, InstalmentFellOverdue


def random_ref(prefix: str) -> str:
    """A unique id such as ``loan-3f9a1c``.

    :param prefix: what the id names.
    """
    return f"{prefix}-{secrets.token_hex(4)}"


def overdue(**overrides: object) -> InstalmentFellOverdue:
    """An overdue instalment of a fresh loan and debtor."""
    fields: dict[str, object] = {
        "event_id": random_ref("evt"),
        "occurred_at": datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        "loan_id": random_ref("loan"),
        "debtor_id": random_ref("debtor"),
        "account_number": "6222020012345678",
        "product": "personal-loan",
        "instalment_number": 1,
        "due_date": date(2026, 3, 1),
        "amount_due": Decimal("1234.50"),
        "currency": "CNY",
        "days_past_due": 3,
    }
    fields.update(overrides)
    return InstalmentFellOverdue.model_validate(fields)


def contact_details(debtor_id: str | None, **overrides: object) -> ContactDetailsChanged:
    """A debtor's contact details (an email address on a reserved test domain)."""
    if debtor_id is None:
        raise ValueError("contact details need a debtor id")
    fields: dict[str, object] = {
        "event_id": random_ref("evt"),
        "occurred_at": datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        "debtor_id": debtor_id,
        "email": f"{debtor_id}@borrower.example",
        "locale": "en",
    }
    fields.update(overrides)
    return ContactDetailsChanged.model_validate(fields)


def contact_request(**overrides: object) -> ContactRequested:
    """A contact request for a fresh loan and debtor."""
    fields: dict[str, object] = {
        "event_id": random_ref("req"),
        "occurred_at": datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        "loan_id": random_ref("loan"),
        "debtor_id": random_ref("debtor"),
        "episode": 1,
        "step": "overdue-notice-1",
        "template_id": "overdue-notice-v1",
        "channels": ("email",),
        "account_masked": "****5678",
        "amount_due": Decimal("1234.50"),
        "currency": "CNY",
        "due_date": date(2026, 3, 1),
        "days_past_due": 3,
        "pay_by": date(2026, 3, 4) + timedelta(days=7),
    }
    fields.update(overrides)
    return ContactRequested.model_validate(fields)
