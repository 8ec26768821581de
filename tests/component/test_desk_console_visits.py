"""Field visits in the desk's console on the real application (memory deps), people signed in
through the sandbox identity provider: the case page shows each visit's state as it moves
(proposed, notice sent, confirmed, rescheduled, cancelled by a cure) with its time and place in
the page's language; the visit page reschedules to a day the desk proposes and records the
outcome (through the JSON API's use cases, CSRF-checked, under the person's id); the field
team's queue lists confirmed visits only; refusals carry their reason in Chinese."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from shared.events import ApplyCaseAction, VisitOutcomeRecorded
from tests.polling import eventually
from tests.support.console import (
    NOON,
    ClientFactory,
    Console,
    english_keys_or_words,
    fields,
    open_console,
    sign_in,
)
from tests.support.desk import Loan
from tests.support.visits import cancellation, proposal


@pytest.fixture
async def console(aiohttp_client: ClientFactory) -> AsyncIterator[Console]:
    async with open_console(aiohttp_client, NOON) as desk:
        await desk.open_case()
        yield desk


def state_of(page: str, visit_id: str) -> str:
    row = page.split(f'data-visit="{visit_id}"')[1]
    return row.split('data-state="')[1].split('"')[0]


async def test_the_case_shows_each_step_of_a_visit_in_the_pages_language(
    console: Console,
) -> None:
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    case = f"/console/cases/{console.loan.loan_id}"
    assert "该贷款没有上门安排" in await console.page(case)
    proposed = await console.propose()
    first = proposed.slot.visit_id
    page = await console.page(case)
    assert (state_of(page, first), "已提议") == ("proposed", "已提议")
    assert "2026-03-12 09:30-10:30" in page
    assert "示例银行上海浦东支行（上海市浦东新区世纪大道100号）" in page
    topic = console.settings.kafka.topics.interactions
    sent = console.loan.interaction("message_sent", request_id=proposed.notice_id)
    console.arrive(topic, sent)
    await eventually(lambda: len(console.store.contact_rows) == 1)
    page = await console.page(case)
    assert state_of(page, first) == "notice_sent"
    assert "通知已发出" in page
    await console.deliver(proposed)
    confirmed = await console.page(case)
    assert state_of(confirmed, first) == "confirmed"
    assert english_keys_or_words(confirmed) == []
    console.arrive(
        console.settings.kafka.topics.tasks, cancellation(console.loan, proposed, "rescheduled")
    )
    second = await console.propose(2)
    await eventually(lambda: console.visits.visits[first].state == "cancelled")
    moved = await console.page(case)
    assert (state_of(moved, first), state_of(moved, second.slot.visit_id)) == (
        "cancelled_rescheduled",
        "proposed",
    )
    assert "已改约" in moved
    console.arrive(console.settings.kafka.topics.tasks, cancellation(console.loan, second, "cured"))
    await eventually(lambda: console.visits.visits[second.slot.visit_id].state == "cancelled")
    cured = await console.page(case)
    assert state_of(cured, second.slot.visit_id) == "cancelled_cured"
    assert "已结清逾期，取消" in cured
    english = await console.page(f"{case}?lang=en")
    assert "Cancelled by a cure" in english
    assert "Rescheduled" in english
    assert "100 Century Avenue" in english


async def test_a_visit_is_rescheduled_to_a_day_the_desk_proposes(console: Console) -> None:
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    proposed = await console.propose()
    await console.deliver(proposed)
    path = f"/console/visits/{proposed.slot.visit_id}"
    page = await console.page(path)
    assert english_keys_or_words(page) == []
    assert 'id="visit-state" data-state="confirmed">已确认' in page
    # The days offered: business days after the slot (Thursday 12 March): Friday, then Monday.
    assert 'value="2026-03-13"' in page
    assert 'value="2026-03-16"' in page
    assert 'value="2026-03-14"' not in page  # a Saturday
    english = await console.page(f"{path}?lang=en")
    assert 'data-state="confirmed">Confirmed' in english
    assert "2026-03-13 Friday" in english
    assert "100 Century Avenue" in english
    form = fields(page, "reschedule-form")
    refused = await console.http.post(f"{path}/reschedule", data={**form, "csrf": "forged"})
    assert refused.status == 403
    assert "防伪令牌" in await refused.text()
    moved = await console.http.post(
        f"{path}/reschedule", data={**form, "day": "2026-03-16"}, allow_redirects=False
    )
    assert moved.status == 303, await moved.text()
    [command] = console.publisher.events(console.settings.kafka.topics.case_actions)
    assert isinstance(command, ApplyCaseAction)
    assert (command.action, command.visit_on, command.actor) == (
        "reschedule_visit",
        date(2026, 3, 16),
        "agent-7",
    )
    assert "改约已发送给调度服务" in await console.page(moved.headers["Location"])
    fresh = fields(await console.page(path), "reschedule-form")  # a new form, a new key
    past = await console.http.post(f"{path}/reschedule", data={**fresh, "other_day": "2026-03-01"})
    assert past.status == 409
    assert "所填日期已经过去" in await past.text()


async def test_the_field_agent_records_the_outcome_once_under_their_id(console: Console) -> None:
    proposed = await console.propose()
    early = f"/console/visits/{proposed.slot.visit_id}"
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    page = await console.page(early)
    assert 'id="outcome-form"' not in page  # not workable before the borrower was told
    refused = await console.http.post(
        f"{early}/outcome", data={**fields(page, "reschedule-form"), "outcome": "met"}
    )
    assert refused.status == 409
    text = await refused.text()
    assert "只有已确认（通知已送达）的上门才能记录结果" in text
    assert "已提议" in text
    assert english_keys_or_words(text) == []
    await console.deliver(proposed)
    await sign_in(console.http, console.idp, "agent-3", "agent", "field")
    form = fields(await console.page(early), "outcome-form")
    data = {**form, "outcome": "not_at_home", "note": "家中无人"}
    done = await console.http.post(f"{early}/outcome", data=data, allow_redirects=False)
    assert done.status == 303, await done.text()
    again = await console.http.post(f"{early}/outcome", data=data, allow_redirects=False)
    assert again.status == 303  # the same form twice is one record
    [record] = console.publisher.events(console.settings.kafka.topics.tasks)
    assert isinstance(record, VisitOutcomeRecorded)
    assert (record.outcome, record.actor, record.note) == ("not_at_home", "agent-3", "家中无人")
    shown = await console.page(done.headers["Location"])
    assert 'id="visit-outcome">不在家 · agent-3' in shown
    wrong = await console.http.post(f"{early}/outcome", data={**form, "outcome": "won"})
    assert wrong.status == 422
    assert "表单有误，请检查：结果" in await wrong.text()


async def test_the_field_queue_lists_confirmed_visits_only(console: Console) -> None:
    confirmed = await console.propose()
    await console.deliver(confirmed)
    other = Loan()
    waiting = proposal(other)
    console.arrive(console.settings.kafka.topics.tasks, waiting)
    await eventually(lambda: waiting.slot.visit_id in console.visits.visits)
    await sign_in(console.http, console.idp, "agent-3", "agent", "field")
    queue = await console.page("/console/field")
    assert f'data-visit="{confirmed.slot.visit_id}"' in queue
    assert waiting.slot.visit_id not in queue
    assert "2026-03-12 09:30-10:30" in queue
    assert english_keys_or_words(queue) == []
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    refused = await console.page("/console/field", status=403)
    assert "催收员只能查看本团队的队列" in refused


async def test_the_printable_documents_open_from_the_visit_page(console: Console) -> None:
    proposed = await console.propose()
    await console.deliver(proposed)
    await sign_in(console.http, console.idp, "agent-3", "agent", "field")
    path = f"/console/visits/{proposed.slot.visit_id}/documents"
    assert f'href="{path}"' in await console.page(path.removesuffix("/documents"))
    shown = await console.http.get(path)
    assert shown.status == 200
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]
    html = await shown.text()
    assert "上门面谈材料" in html
    assert "1,500.00元" in html
    assert "Field visit documents" in await (await console.http.get(f"{path}?lang=en")).text()
    missing = await console.page("/console/visits/no-such-visit", status=404)
    assert "未找到该上门安排" in missing
