"""Review-queue test data: a template whose text cites a court (the gate escalates it unless
the legal department attested it), and review decisions as the desk sends them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from services.notifier.domain.templates import TEMPLATES_FILE
from shared.events import ApplyReviewDecision, derived_event_id
from shared.testing.factories import random_ref

#: A genuine legal reference (an attestation term of the cn pack): the gate escalates it.
COURT_TEMPLATE = "court-notice-v1"
COURT_LINE = "如有异议，您可向有管辖权的法院提起诉讼。"


def court_templates(directory: Path) -> Path:
    """The shipped registry plus a copy of the overdue notice that cites a court."""
    raw: dict[str, Any] = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    [notice] = [t for t in raw["templates"] if t["id"] == "overdue-notice-v1"]
    court = copy.deepcopy(notice)
    court["id"] = COURT_TEMPLATE
    for locale in court["texts"].values():
        for channel in ("email", "sms", "wechat"):
            locale[channel] = f"{locale[channel]}\n{COURT_LINE}"
    raw["templates"].append(court)
    path = directory / "templates.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def decision(
    request_id: str, queue: str, verdict: str, *, debtor_id: str, loan_id: str, **fields: Any
) -> ApplyReviewDecision:
    """A person's decision on the (request, email) send, with a fresh id."""
    body: dict[str, Any] = {
        "event_id": derived_event_id("test-review", random_ref("d")),
        "occurred_at": "2026-03-04T05:00:00+00:00",
        "debtor_id": debtor_id,
        "loan_id": loan_id,
        "request_id": request_id,
        "channel": "email",
        "queue": queue,
        "decision": verdict,
        "actor": "person-1",
        "reason": "checked with the borrower",
    }
    return ApplyReviewDecision.model_validate(body | fields)
