"""Disputes and complaints in the desk's console (the real application, memory deps): the
register with each entry's age and answer due day for supervisors and compliance officers,
refused to agents with its reason in Chinese; a case's disputes, one recorded from the case
page (the scheduler's command, under the agent's id) and resolved by a supervisor (the
register's use case, the scheduler told, once)."""

from __future__ import annotations

from datetime import date

from services.desk.domain.i18n import Words
from shared.events import ApplyCaseAction, ResolveDispute
from tests.component.test_desk_console_visits import console
from tests.polling import eventually
from tests.support.console import Console, english_keys_or_words, fields, sign_in

__all__ = ["console"]  # the fixture: the console over memory deps, its clock on 9 March


async def test_the_register_shows_open_entries_with_their_age_and_answer_due(
    console: Console,
) -> None:
    old = console.loan.dispute("complaint", day=4).model_copy(
        update={"opened_on": date(2026, 2, 2)}
    )
    console.arrive(console.settings.kafka.topics.contact_requests, old)
    await eventually(lambda: old.event_id in console.store.dispute_rows)
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    refused = await console.page("/console/disputes", status=403)
    assert "只有主管或合规专员可以查看和处理异议登记簿" in refused
    assert english_keys_or_words(refused) == []
    await sign_in(console.http, console.idp, "co-1", "compliance", "")
    register = await console.page("/console/disputes")
    assert english_keys_or_words(register) == []
    row = register.split(f'data-dispute="{old.event_id}"')[1].split("</tr>")[0]
    assert "投诉" in row
    assert "2026-02-02" in row
    assert "35天" in row  # 2 February to 9 March
    assert "2026-02-24" in row  # 15 days on is in the Spring Festival: the next business day
    assert "已逾期未答复" in row
    assert old.event_id not in await console.page("/console/disputes?status=resolved")
    english = await console.page("/console/disputes?lang=en")
    assert "Answer overdue" in english
    assert "35 days" in english


async def test_a_dispute_recorded_on_the_case_and_resolved_by_a_supervisor(
    console: Console,
) -> None:
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    loan_id = console.loan.loan_id
    case = await console.page(f"/console/cases/{loan_id}")
    assert "该贷款没有异议或投诉" in case
    form = fields(case, "dispute-form")
    data = {**form, "category": "dispute", "note": "称已在柜台还款"}
    posted = await console.http.post(
        f"/console/cases/{loan_id}/dispute", data=data, allow_redirects=False
    )
    assert posted.status == 303, await posted.text()
    shown = await console.page(posted.headers["Location"])
    assert "操作已记录：异议" in shown
    assert "称已在柜台还款" in shown  # the note stays at the desk
    [command] = console.publisher.events(console.settings.kafka.topics.case_actions)
    assert isinstance(command, ApplyCaseAction)
    assert (command.action, command.actor, command.origin) == ("dispute", "agent-7", "agent")
    # The scheduler's answer: the register's entry (the hold is the scheduler's).
    opened = console.loan.dispute("dispute", day=9)
    console.arrive(console.settings.kafka.topics.contact_requests, opened)
    await eventually(lambda: opened.event_id in console.store.dispute_rows)
    listed = await console.page(f"/console/cases/{loan_id}")
    assert f'data-dispute="{opened.event_id}"' in listed
    assert "处理中" in listed
    await sign_in(console.http, console.idp, "sup-1", "supervisor", "")
    path = f"/console/disputes/{opened.event_id}"
    entry = await console.page(path)
    assert english_keys_or_words(entry) == []
    resolve = fields(entry, "resolve-form")
    done = await console.http.post(
        f"{path}/resolve",
        data={**resolve, "resolution": "rejected", "note": "柜台无还款记录"},
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    resolved = [
        e
        for e in console.publisher.events(console.settings.kafka.topics.case_actions)
        if isinstance(e, ResolveDispute)
    ]
    assert [(r.dispute_id, r.resolution, r.resolved_by) for r in resolved] == [
        (opened.event_id, "rejected", "sup-1")
    ]
    shown = await console.page(done.headers["Location"])
    assert "已处理：异议不成立" in shown
    assert 'id="resolve-form"' not in shown
    again = await console.http.post(f"{path}/resolve", data={**resolve, "resolution": "upheld"})
    assert again.status == 409
    assert "该异议或投诉已处理" in await again.text()
    assert len(console.publisher.events(console.settings.kafka.topics.case_actions)) == 2


async def test_a_bad_category_is_refused_with_its_fields_in_chinese(console: Console) -> None:
    await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    loan_id = console.loan.loan_id
    form = fields(await console.page(f"/console/cases/{loan_id}"), "dispute-form")
    bad = await console.http.post(
        f"/console/cases/{loan_id}/dispute", data={**form, "category": "wrong_party"}
    )
    assert bad.status == 422
    text = await bad.text()
    assert Words("zh-CN").reason("invalid: action") in text
    assert "表单有误，请检查：操作类型" in text
    assert console.publisher.events(console.settings.kafka.topics.case_actions) == []
