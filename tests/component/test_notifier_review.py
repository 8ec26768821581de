"""The notifier acting on review decisions, on its real application with memory deps: an
uncertain send, then the desk's decisions in through the consume loop, and what came of them."""

from __future__ import annotations

from aiohttp import web

from services.notifier.app import build_app
from services.notifier.domain.model import DeliveryUncertain, SendStatus
from services.notifier.domain.sends import send_key
from shared.testing.factories import contact_details, contact_request
from shared.topics import dead_letter
from tests.component.test_notifier_consumer import (
    SETTINGS,
    TOPICS,
    ClientFactory,
    Wiring,
    eventually,
)
from tests.support.review import decision


async def test_an_uncertain_send_confirmed_delivered_is_settled_and_its_code_registered(
    aiohttp_client: ClientFactory,
) -> None:
    wiring = Wiring()
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    request = contact_request()
    wiring.arrive(TOPICS.customer_events, contact_details(request.debtor_id))
    await eventually(lambda: request.debtor_id in wiring.store.contacts)
    wiring.email.fail_with = DeliveryUncertain("connection lost after DATA")
    wiring.arrive(TOPICS.contact_requests, request)
    key = send_key(request.event_id, "email")
    await eventually(lambda: key in wiring.store.kept_sends)
    confirmed = decision(
        request.event_id,
        "uncertain",
        "confirm_delivered",
        debtor_id=request.debtor_id,
        loan_id=request.loan_id,
    )
    wiring.arrive(TOPICS.review_decisions, confirmed)
    wiring.arrive(TOPICS.review_decisions, confirmed)  # redelivered
    await eventually(lambda: sum(wiring.source.committed.values()) == 4)
    assert wiring.store.ledger[key].status is SendStatus.SENT
    kinds = [i.kind for i in wiring.interactions()]
    assert kinds.count("review_decided") == 2  # the same id twice: the audit keeps it once
    assert len({i.event_id for i in wiring.interactions()}) == 3
    [sent] = [i for i in wiring.interactions() if i.kind == "message_sent"][:1]
    assert sent.verification_code is not None
    assert wiring.email.sent == []


async def test_a_decision_on_no_known_send_is_dead_lettered_with_its_reason(
    aiohttp_client: ClientFactory,
) -> None:
    wiring = Wiring()
    app: web.Application = build_app(SETTINGS, wiring.deps)
    await aiohttp_client(app)
    stray = decision("req-unknown", "blocked", "redrive", debtor_id="d-x", loan_id="l-x")
    wiring.arrive(TOPICS.review_decisions, stray)
    dead = dead_letter(TOPICS.review_decisions)
    await eventually(lambda: len(wiring.publisher.records.get(dead, [])) == 1)
    [record] = wiring.publisher.records[dead]
    headers = dict(record.headers)
    assert headers["dunwell-dlq-reason-code"] == b"review_refused"
    assert wiring.interactions() == []
