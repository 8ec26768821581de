"""The gate's dispute holds on the real notifier (memory deps): a dispute read on the
contact-requests topic blocks every send and every call about that debt, naming the dispute,
until its resolution is read; the debtor's other debts are not held."""

from __future__ import annotations

from datetime import date

from aiohttp.test_utils import TestClient

from services.notifier.app import build_app
from services.notifier.settings import Settings
from shared.events import DisputeOpened, DisputeResolved
from shared.testing.factories import contact_details, contact_request
from tests.component.test_notifier_calls import ASK, TOKEN
from tests.component.test_notifier_consumer import (
    TOPICS,
    WEDNESDAY_NOON,
    ClientFactory,
    Wiring,
    eventually,
)

CALLS = Settings(contacts_token="dialler-token")


def dispute(debtor: str, loan: str) -> DisputeOpened:
    return DisputeOpened(
        event_id=f"dispute-{loan}",
        occurred_at=WEDNESDAY_NOON,
        loan_id=loan,
        debtor_id=debtor,
        category="dispute",
        origin="reply",
        origin_id="reply-1",
        opened_on=date(2026, 3, 4),
    )


async def test_a_disputed_debt_gets_no_message_and_no_call_until_resolved(
    aiohttp_client: ClientFactory,
) -> None:
    wiring = Wiring()
    client: TestClient = await aiohttp_client(build_app(CALLS, wiring.deps))  # type: ignore[type-arg]
    debtor, number = ASK["debtor_id"], ASK["number"]
    wiring.arrive(TOPICS.customer_events, contact_details(debtor, mobile=number, locale="zh-CN"))
    await eventually(lambda: debtor in wiring.store.contacts)
    held = dispute(debtor, ASK["debt_id"])
    wiring.arrive(TOPICS.contact_requests, held)
    blocked = contact_request(debtor_id=debtor, loan_id=ASK["debt_id"], channels=("sms",))
    other = contact_request(debtor_id=debtor, loan_id="loan-other", channels=("email",))
    wiring.arrive(TOPICS.contact_requests, blocked)
    wiring.arrive(TOPICS.contact_requests, other)
    await eventually(lambda: len(wiring.interactions()) == 2)
    by_request = {i.request_id: i for i in wiring.interactions()}
    stopped = by_request[blocked.event_id]
    assert (stopped.kind, stopped.rules) == ("send_blocked", ("CN-DISPUTE-HOLD",))
    assert held.event_id in (stopped.reason or "")
    assert by_request[other.event_id].kind == "message_sent"
    assert wiring.sms.sent == []
    asked = await (await client.post("/v1/calls", json=ASK, headers=TOKEN)).json()
    assert (asked["outcome"], asked["rules"]) == ("BLOCK", ["CN-DISPUTE-HOLD"])
    assert any(held.event_id in r for r in asked["reasons"])
    wiring.arrive(
        TOPICS.contact_requests,
        DisputeResolved(
            event_id="resolved-1",
            occurred_at=WEDNESDAY_NOON,
            dispute_id=held.event_id,
            loan_id=ASK["debt_id"],
            debtor_id=debtor,
            category="dispute",
            resolution="rejected",
            resolved_by="sup-1",
        ),
    )
    await eventually(lambda: sum(wiring.source.committed.values()) == 5)
    again = {**ASK, "idempotency_key": "dial-2"}
    allowed = await (await client.post("/v1/calls", json=again, headers=TOKEN)).json()
    assert allowed["outcome"] == "ALLOW"
    assert f"{TOPICS.contact_requests}.dlq" not in wiring.publisher.records
