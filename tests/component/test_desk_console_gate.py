"""The compliance gate's reasons on the desk's zh-CN pages (real application, memory deps): a
case whose contact log holds a send the real policy engine deferred and one it blocked, and a
dial the real notifier's pre-call gate defers at night, show the reasons in Chinese, no English
words; the English page keeps the gate's own words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Decision, Outcome, Scenario
from tests.polling import eventually
from tests.support.console import (
    NUMBER,
    ClientFactory,
    Console,
    english_keys_or_words,
    open_console,
    sign_in,
)
from tests.support.desk import Loan

#: Monday 9 March 2026, 23:30 in Shanghai: inside CN-TIME-1's forbidden 22:00-08:00.
NIGHT = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)


def _gated(loan: Loan, **overrides: Any) -> Decision:
    """The real cn pack's decision on an SMS to the borrower at night."""
    base: dict[str, Any] = {
        "now": NIGHT,
        "channel": "sms",
        "debtor": {"timezones": ["Asia/Shanghai"], "state": "reachable"},
        "recipient": {"role": "debtor", "provenance": "contract", "verified": True},
        "debt_id": loan.loan_id,
    }
    return evaluate([load_pack("cn")], Scenario.model_validate(base | overrides))


@pytest.fixture
async def desk(aiohttp_client: ClientFactory) -> AsyncIterator[Console]:
    async with open_console(aiohttp_client, NIGHT, gate=True) as console:
        loan, topics = console.loan, console.settings.kafka.topics
        deferred, blocked = _gated(loan), _gated(loan, opt_outs=["sms"])
        assert deferred.outcome is Outcome.DEFER
        assert blocked.outcome is Outcome.BLOCK
        for kind, decision in (("send_deferred", deferred), ("send_blocked", blocked)):
            contact = loan.interaction(
                kind,
                reason="; ".join(decision.reasons),
                rules=tuple(decision.rules),
                deferred_until=decision.until,
            )
            console.arrive(topics.interactions, contact)
        console.arrive(topics.delinquency, loan.range("r2", day=5))
        console.arrive(topics.tasks, loan.task("instalment_request"))
        store = console.store
        await eventually(lambda: bool(store.tasks) and len(store.contact_rows) == 2)
        yield console


async def test_the_contact_log_shows_the_gates_reasons_in_chinese(desk: Console) -> None:
    await sign_in(desk.http, desk.idp, "agent-7")
    page = await desk.page(f"/console/cases/{desk.loan.loan_id}")
    assert "当地时间 23:30:00（北京时间）：22:00\N{EN DASH}08:00 未经借款人同意不得联系" in page
    assert "借款人已退订短信" in page
    assert "is outside" not in page
    assert "opted out" not in page
    assert english_keys_or_words(page) == []
    english = await (
        await desk.http.get("/console/lang/en?next=/console/cases/" + desk.loan.loan_id)
    ).text()
    assert "CN-TIME-1: 23:30:00 is outside 08:00-22:00 in Asia/Shanghai" in english
    assert "CN-OPTOUT: the borrower opted out of sms" in english


async def test_a_dial_the_gate_defers_at_night_shows_its_reason_in_chinese(desk: Console) -> None:
    await sign_in(desk.http, desk.idp, "agent-7")
    page = await desk.ask_to_dial(number=NUMBER, purpose="collection")
    assert 'id="decision">推迟' in page
    assert "当地时间 23:30:00（北京时间）：22:00\N{EN DASH}08:00 未经借款人同意不得联系" in page
    assert "is outside" not in page
    assert english_keys_or_words(page) == []
