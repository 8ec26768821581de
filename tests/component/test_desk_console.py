"""The desk's web console on the real application (memory deps): people sign in through the
sandbox identity provider (the authorization-code flow, over HTTP), pages render in zh-CN and
English, forms post the JSON API's commands, CSRF and other teams are refused, a call asks the
real notifier's pre-call gate first, and a compliance officer downloads a report."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import pytest

from services.notifier.settings import Settings as NotifierSettings
from shared.events import ApplyCaseAction, InteractionRecorded
from tests.support.console import (
    NOON,
    NUMBER,
    ClientFactory,
    Console,
    english_keys_or_words,
    fields,
    open_console,
    sign_in,
)


@pytest.fixture
async def console(aiohttp_client: ClientFactory) -> AsyncIterator[Console]:
    async with open_console(aiohttp_client, NOON, gate=True) as desk:
        await desk.open_case()
        yield desk


async def test_an_agent_signs_in_sees_the_overdue_task_and_opens_the_case(
    console: Console,
) -> None:
    assert (
        (await console.http.get("/console/tasks", allow_redirects=False))
        .headers["Location"]
        .startswith("/console/sign-in?next=")
    )
    landed = await sign_in(console.http, console.idp, "agent-7", "agent", "collections")
    assert landed == "/console/tasks"
    queue = await console.page("/console/queue")
    assert '<html lang="zh-CN">' in queue
    assert console.loan.loan_id in queue
    assert "已超时" in queue
    assert "申请分期" in queue
    case = await console.page(f"/console/cases/{console.loan.loan_id}")
    assert "1,500.00元" in case
    assert "逾期中" in case
    loan_id = console.loan.loan_id
    pages = [queue, case, await console.page("/console/tasks")]
    pages += [await console.page(f"/console/cases/{loan_id}/{form}") for form in ("action", "call")]
    pages.append(await console.page("/console/reports", status=403))
    for page in pages:
        assert english_keys_or_words(page) == []
    english = await console.http.get("/console/lang/en?next=/console/queue")
    text = await english.text()
    assert '<html lang="en">' in text
    assert "Overdue" in text
    assert "Instalment request" in text


async def test_an_instalment_plan_recorded_in_a_form_reaches_the_scheduler(
    console: Console,
) -> None:
    await sign_in(console.http, console.idp, "agent-7")
    loan_id = console.loan.loan_id
    form = await console.form(f"/console/cases/{loan_id}/action", "action-form")
    posted = await console.http.post(
        f"/console/cases/{loan_id}/action",
        data={
            **form,
            "action": "plan_agreed",
            "requested_until": "2026-06-10",
            "note": "三期",
        },
        allow_redirects=False,
    )
    assert posted.status == 303, await posted.text()
    again = await console.http.post(
        f"/console/cases/{loan_id}/action", data={**form, "action": "plan_agreed"}
    )
    assert again.status == 200  # the same form twice is one action
    [command] = console.publisher.events(console.settings.kafka.topics.case_actions)
    assert isinstance(command, ApplyCaseAction)
    assert (command.action, command.actor, command.origin) == (
        "plan_agreed",
        "agent-7",
        "agent",
    )
    assert command.requested_until == date(2026, 6, 10)  # the scheduler holds escalation till then
    case = await console.page(posted.headers["Location"])
    assert "达成分期还款计划" in case
    assert "三期" in case
    assert "agent-7" in case


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "wrong"])
async def test_a_form_post_without_the_sessions_csrf_token_is_403(
    console: Console, token: str | None
) -> None:
    await sign_in(console.http, console.idp, "agent-7")
    loan_id = console.loan.loan_id
    form = await console.form(f"/console/cases/{loan_id}/action", "action-form")
    form.pop("csrf")
    if token:
        form["csrf"] = token
    refused = await console.http.post(
        f"/console/cases/{loan_id}/action", data={**form, "action": "dispute"}
    )
    assert refused.status == 403
    assert "CSRF" in await refused.text()
    assert console.publisher.events(console.settings.kafka.topics.case_actions) == []
    other_site = await console.http.post(
        "/console/sign-out",
        data={"csrf": form.get("csrf", "")},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status == 403


async def test_another_teams_agent_gets_a_403_page_and_sign_out_ends_the_session(
    console: Console,
) -> None:
    await sign_in(console.http, console.idp, "agent-3", "agent", "field")
    refused = await console.page(f"/console/cases/{console.loan.loan_id}", status=403)
    assert "您无权查看或执行此操作" in refused
    await console.page("/console/queue?team=collections", status=403)
    csrf = fields(await console.page("/console/tasks"))["csrf"]
    out = await console.http.post("/console/sign-out", data={"csrf": csrf}, allow_redirects=False)
    assert out.headers["Location"] == "/console/sign-in?signed_out=1"
    after = await console.http.get("/console/tasks", allow_redirects=False)
    assert after.status == 303
    assert after.headers["Location"].startswith("/console/sign-in")


async def test_a_forged_or_replayed_callback_signs_nobody_in(console: Console) -> None:
    forged = await console.http.get("/console/callback?code=x&state=y")
    assert forged.status == 401
    console.http.session.cookie_jar.update_cookies({"desk_session": "e30.AAAA"})
    assert (await console.http.get("/console/tasks", allow_redirects=False)).status == 303


async def test_a_call_asks_the_gate_first_and_reports_against_the_reservation(
    console: Console,
) -> None:
    await sign_in(console.http, console.idp, "agent-7")
    loan_id = console.loan.loan_id
    page = await console.ask_to_dial(number=NUMBER, purpose="collection")
    assert 'id="decision">允许' in page
    outcome = fields(page, "outcome-form")
    reported = await console.http.post(
        f"/console/cases/{loan_id}/call/outcome",
        data={**outcome, "status": "connected", "duration_s": "120", "summary": "同意分期"},
        allow_redirects=False,
    )
    assert reported.status == 303, await reported.text()
    made = [
        e
        for e in console.gate_events.events(NotifierSettings().kafka.topics.interactions)
        if isinstance(e, InteractionRecorded) and e.kind == "call_made"
    ]
    assert [m.reason.split(",")[0] for m in made if m.reason] == ["connected"]
    assert "agent agent-7" in (made[0].reason or "")
    forged = {**outcome, "ticket": outcome["ticket"][:-2] + "xx", "status": "busy"}
    assert (
        await console.http.post(f"/console/cases/{loan_id}/call/outcome", data=forged)
    ).status == 401


async def test_a_dial_the_gate_does_not_allow_shows_its_reasons_and_no_outcome_form(
    console: Console,
) -> None:
    await sign_in(console.http, console.idp, "agent-7")
    page = await console.ask_to_dial(number="+8613900000009")
    decision = re.search(r'id="decision">([^<]+)<', page)
    assert decision is not None
    assert decision.group(1) in ("推迟", "禁止", "需人工复核")
    assert 'id="reasons"' in page
    assert 'id="outcome-form"' not in page
    assert "+8613900000009" not in page  # the number goes to the gate only


async def test_an_agent_takes_the_task_and_finishes_it_with_its_outcome(console: Console) -> None:
    await sign_in(console.http, console.idp, "agent-7")
    loan_id = console.loan.loan_id
    [task_id] = console.store.tasks
    case = await console.page(f"/console/cases/{loan_id}")
    csrf = fields(case)["csrf"]
    taken = await console.http.post(
        f"/console/tasks/{task_id}/start", data={"csrf": csrf}, allow_redirects=False
    )
    assert taken.status == 303, await taken.text()
    assert console.loan.loan_id in await console.page("/console/tasks")
    shown = await console.page(taken.headers["Location"])
    assert "该任务已由您接手" in shown
    assert 'class="row done-form"' in shown
    done = await console.http.post(
        f"/console/tasks/{task_id}/done",
        data={"csrf": csrf, "outcome": "plan_agreed", "note": "三期"},
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    held = console.store.tasks[task_id]
    assert (held.status, held.outcome, held.actions[-1].by) == ("done", "plan_agreed", "agent-7")
    assert "已达成还款计划" in await console.page(f"/console/cases/{loan_id}")
    again = await console.http.post(
        f"/console/tasks/{task_id}/done", data={"csrf": csrf, "outcome": "contacted"}
    )
    assert again.status == 409
    assert "该任务目前为“已完成”" in await again.text()  # the reason, in Chinese
