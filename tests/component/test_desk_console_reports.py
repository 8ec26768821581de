"""The compliance reports in the console, on the real application (memory deps): figures from
the interactions, replies and agents' actions the desk consumed, each report as a CSV; only
compliance officers and supervisors see them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from shared.events import BorrowerReplied
from tests.polling import eventually
from tests.support.console import (
    NOON,
    Client,
    ClientFactory,
    english_keys_or_words,
    fields,
    open_console,
    sign_in,
)
from tests.support.desk import OPENED, Loan


@pytest.fixture
async def desk(aiohttp_client: ClientFactory) -> AsyncIterator[tuple[Client, TestServer, Loan]]:
    async with open_console(aiohttp_client, NOON) as console:
        loan, topics = console.loan, console.settings.kafka.topics
        at = OPENED  # 10:00 in Shanghai, 4 March 2026
        events = [
            *(loan.interaction(occurred_at=at + timedelta(minutes=m)) for m in (0, 30, 60)),
            loan.interaction("send_deferred", rules=("CN-FREQ-MSG",), occurred_at=at),
            loan.interaction("send_blocked", rules=("CN-HOURS",), occurred_at=at),
            loan.interaction("call_made", channel="voice", provider="agency-7", occurred_at=at),
            loan.interaction(
                "send_escalated", request_id="req-1", rules=("CN-LEGAL-1",), occurred_at=at
            ),
        ]
        console.arrive(topics.tasks, loan.task())
        for event in events:
            console.arrive(topics.interactions, event)
        dispute = BorrowerReplied(
            event_id="reply-dispute-1",
            occurred_at=at,
            debtor_id=loan.debtor_id,
            loan_id=loan.loan_id,
            channel="sms",
            intent="dispute",
        )
        console.arrive(topics.replies, dispute)
        await eventually(lambda: len(console.store.contact_rows) == 8)
        yield console.http, console.idp, loan


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


async def test_a_compliance_officer_reads_the_reports_and_downloads_csv(
    desk: tuple[Client, TestServer, Loan],
) -> None:
    http, idp, loan = desk
    await sign_in(http, idp, "compliance-1", "compliance", "")
    page = await (await http.get("/console/reports?from=2026-03-01&to=2026-03-09")).text()
    assert "合规报表" in page
    assert english_keys_or_words(page) == []
    assert "超出上限" in page  # three messages in one day against a cap of two
    caps = await http.get("/console/reports/caps.csv?from=2026-03-01&to=2026-03-09")
    assert caps.status == 200
    assert caps.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in caps.headers["Content-Disposition"]
    by_cap = {r["cap"]: r for r in rows(await caps.text())}
    assert by_cap["messages"] == {
        "debtor_id": loan.debtor_id,
        "day": "2026-03-04",
        "cap": "messages",
        "count": "3",
        "max": "2",
        "over": "True",
        "source": "CN-FREQ-MSG",
    }
    assert by_cap["calls"]["count"] == "1"
    refusals = rows(await (await http.get("/console/reports/refusals.csv?from=2026-03-04")).text())
    assert {(r["rule"], r["blocked"], r["deferred"], r["escalated"]) for r in refusals} == {
        ("CN-FREQ-MSG", "0", "1", "0"),
        ("CN-HOURS", "1", "0", "0"),
        ("CN-LEGAL-1", "0", "0", "1"),
    }
    disputes = rows(await (await http.get("/console/reports/disputes.csv?from=2026-03-04")).text())
    assert [(r["what"], r["source"], r["age_days"]) for r in disputes] == [
        ("dispute", "reply", "5")
    ]
    agencies = rows(await (await http.get("/console/reports/agencies.csv?from=2026-03-04")).text())
    assert {r["agency"]: (r["calls_made"], r["messages"]) for r in agencies} == {
        "agency-7": ("1", "0"),
        "bank": ("0", "3"),
    }
    assert (await http.get("/console/reports/nothing.csv")).status == 404
    assert (await http.get("/console/reports?from=2026-03-09&to=2026-03-01")).status == 409
    assert (await http.get(f"/console/cases/{loan.loan_id}")).status == 403


async def test_an_agent_may_not_read_the_reports(desk: tuple[Client, TestServer, Loan]) -> None:
    http, idp, _ = desk
    await sign_in(http, idp, "agent-7")
    assert (await http.get("/console/reports")).status == 403
    assert (await http.get("/console/reports/caps.csv")).status == 403


async def test_a_compliance_officer_decides_an_escalation_in_the_console(
    desk: tuple[Client, TestServer, Loan],
) -> None:
    http, idp, _ = desk
    await sign_in(http, idp, "compliance-1", "compliance", "")
    overview = await (await http.get("/console/reviews")).text()
    assert "已升级" in overview
    assert 'id="queue-uncertain"' not in overview  # not theirs to decide
    queue = await (await http.get("/console/reviews/escalated")).text()
    [item_id] = re.findall(r'data-item="([^"]+)"', queue)
    page = await (await http.get(f"/console/reviews/items/{item_id}")).text()
    assert "批准发送" in page
    for shown in (overview, queue, page):
        assert english_keys_or_words(shown) == []
    form = fields(page, "decision-form")
    unattested = await http.post(
        f"/console/reviews/items/{item_id}",
        data={**form, "verdict": "approve", "reason": "已核对"},
    )
    assert unattested.status == 409  # an approval carries its attestation
    decided = await http.post(
        f"/console/reviews/items/{item_id}",
        data={**form, "verdict": "reject", "reason": "内容不当"},
        allow_redirects=False,
    )
    assert decided.status == 303, await decided.text()
    after = await (await http.get(decided.headers["Location"])).text()
    assert "已决定：拒绝发送" in after
    assert item_id not in after
