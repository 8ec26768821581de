"""Issue 17's whole flow in one test on the real broker, every service running, people signed
in with the sandbox identity provider's tokens (never a shared one).

A Chinese borrower's overdue loan gets its first SMS in Chinese; their SMS reply asking for more
time (pushed by the provider sandbox in Aliyun's own inbound format) opens a task at the desk.
An agent of the collections team sees it in the team queue, takes it (it is then in their own
tasks), opens the case (statement, days past due, range, contacts) and records an agreed
instalment plan; an agent of another team gets 403 on that case, and an expired or wrongly
signed token 401 at the desk, the notifier's pre-call gate and the audit API. The scheduler
holds escalation: a close of business on which the strategy's next step is due passes (the
scheduler has committed its offsets past every partition's close, which it does only once all
it published for them is acknowledged) and no contact request is on the broker for the loan.
The plan and the agent's id are in the evidence log, read by an auditor; the agent reads the
case's evidence through the desk, logged as their read. The first step's email
was uncertain (the SMTP server took it and dropped the connection): the agent confirms it
delivered from the review queue, and its code then verifies on the borrower's page. The
borrower's reply 不是我借的 opens a dispute: days pass with nothing sent and a contact request
put straight to the notifier is blocked, until a supervisor resolves it at the desk; the next
close of business then sends the strategy's next step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from sandbox.identity import BackgroundIdentity
from sandbox.loanbook import Item, publish_items, sandbox_mobile
from sandbox.stack import morning_of
from services.notifier.domain.sends import verification_code
from shared.events import ContactRequested, decode
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request, overdue
from tests.polling import eventually
from tests.support.days import swept
from tests.support.http import READS, call, timeline
from tests.support.kafka import read_topic
from tests.support.people import Headers, forged, issued
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
ASKED = "最近手头紧，能宽限到下个月再还吗"  # the borrower's reply, asking for time
REPLIED = "dunwell.reply.received.v1"
#: A Monday the calendar knows officially (a provisional year is a holiday to the gate: one
#: message a day, and this loan's first step sends two); the notifier's clock starts at 09:00.
DAY = date(2026, 11, 30)
SECRET = b"local-development-only"  # the local stack's verification-code key
NUMBER = sandbox_mobile(930)
AMOUNT_DUE = "1234.50"  # the overdue instalment (the factory's)


@dataclass
class Flow:
    system: ProviderStack
    identity: BackgroundIdentity

    def url(self, service: str, path: str) -> str:
        return self.system.url(service, path)

    async def person(self, sub: str, *roles: str, team: str | None = None) -> Headers:
        return await issued(self.identity.url, sub, *roles, team=team)


@pytest.fixture(scope="module")
def flow(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    identity = BackgroundIdentity().start()
    workdir = tmp_path_factory.mktemp("flow")
    try:
        with provider_stack(
            broker, workdir, "flow", morning_of(DAY), identity_url=identity.url
        ) as system:
            yield Flow(system, identity)
    finally:
        identity.stop()


@dataclass(frozen=True)
class People:
    agent: Headers
    other_team: Headers
    supervisor: Headers
    auditor: Headers


async def people(flow: Flow) -> People:
    return People(
        agent=await flow.person("agent-7", "agent", team="collections"),
        other_team=await flow.person("agent-3", "agent", team="field"),
        supervisor=await flow.person("supervisor-2", "supervisor"),
        auditor=await flow.person("auditor-2", "auditor"),
    )


async def desk(flow: Flow, method: str, path: str, who: Headers, body: Any = None) -> Any:
    status, answer = await call(method, flow.url("desk", path), who, body)
    assert status < 300, f"{method} {path}: {status} {answer}"
    return answer


async def requests_of(flow: Flow, loan: str) -> list[ContactRequested]:
    """Every contact request on the broker for ``loan`` (the scheduler's, and the test's)."""
    records = await read_topic(flow.system.kafka, flow.system.kafka.topics.contact_requests)
    found = [decode(r.value, r.headers) for r in records]
    return [e for e in found if isinstance(e, ContactRequested) and e.loan_id == loan]


async def first_sms(flow: Flow) -> str:
    """The overdue loan's first message: by SMS in Chinese (its email, UNCERTAIN: the SMTP
    server takes it and drops the connection before it answers)."""
    due = overdue(
        occurred_at=datetime.combine(DAY, time(1, 30), UTC),
        due_date=DAY - timedelta(days=7),
        days_past_due=7,
        amount_due=AMOUNT_DUE,
    )
    loan, debtor = due.loan_id, str(due.debtor_id)
    details = contact_details(debtor, mobile=NUMBER, locale="zh-CN")
    flow.system.inbox.handler.refuse_next = "drop"
    await publish_items(flow.system.kafka, [Item("customer", details), Item("loan", due)])

    def texted() -> list[str]:
        return [m.text for m in flow.system.providers.received() if m.to == NUMBER]

    await eventually(lambda: bool(texted()), timeout_s=90)
    [text] = texted()
    assert "逾期" in text, text
    return loan


async def extension_task(flow: Flow, who: People, loan: str) -> dict[str, Any]:
    """The borrower asks for more time by SMS: a task in the collections team's queue."""
    await flow.system.reply(NUMBER, ASKED)

    async def queued() -> list[dict[str, Any]]:
        body = await desk(flow, "GET", "/v1/queues/collections", who.agent)
        return [t for t in body["tasks"] if t["loan_id"] == loan]

    async def opened() -> bool:
        return bool(await queued())

    await eventually(opened, timeout_s=60)
    [task] = await queued()
    assert task["kind"] == "extension_request", task
    return task


async def plan_agreed(flow: Flow, who: People, loan: str, task: dict[str, Any]) -> date:
    """The agent takes the task, reads the case and records an agreed instalment plan; the
    day until which the plan holds escalation."""
    taken = await desk(flow, "POST", f"/v1/tasks/{task['task_id']}/start", who.agent)
    assert (taken["status"], taken["assignee"]) == ("in_progress", "agent-7")
    mine = await desk(flow, "GET", "/v1/me/tasks", who.agent)
    assert [t["task_id"] for t in mine["tasks"]] == [task["task_id"]]

    async def contacted() -> bool:  # the desk reads the interactions in its own time
        case = await desk(flow, "GET", f"/v1/cases/{loan}", who.agent)
        return ("sms", "message_sent") in {(c["channel"], c["kind"]) for c in case["contacts"]}

    await eventually(contacted, timeout_s=30)
    case = await desk(flow, "GET", f"/v1/cases/{loan}", who.agent)
    assert (case["status"], case["range"], case["days_past_due"]) == ("delinquent", "early", 7)
    assert case["statement"] is not None, case
    assert (case["statement"]["currency"], case["statement"]["total_outstanding"]) == (
        "CNY",
        AMOUNT_DUE,
    )
    until = DAY + timedelta(days=22)  # a Tuesday; the two days after it are business days
    plan = {
        "action_id": "plan-1",
        "action": "plan_agreed",
        "requested_until": until.isoformat(),
        "note": "同意分三期还款，每月10日前",
    }
    recorded = await desk(flow, "POST", f"/v1/cases/{loan}/actions", who.agent, plan)
    assert recorded["actor"] == "agent-7"
    body = {"outcome": "plan_agreed", "note": "已与借款人确认分期计划"}
    done = await desk(flow, "POST", f"/v1/tasks/{task['task_id']}/done", who.agent, body)
    assert (done["status"], done["outcome"]) == ("done", "plan_agreed")
    return until


async def refused_strangers(flow: Flow, who: People, loan: str) -> None:
    """Another team's agent: 403 on the case. An expired or wrongly signed token: 401 at the
    desk, the notifier's pre-call gate and the audit API."""
    status, _ = await call("GET", flow.url("desk", f"/v1/cases/{loan}"), who.other_team)
    assert status == 403
    expired = await issued(
        flow.identity.url, "agent-7", "agent", team="collections", expires_in=-120
    )
    wrong = forged(flow.identity.url, "agent-7", "agent", team="collections")
    asks = (
        ("GET", flow.url("desk", f"/v1/cases/{loan}"), None),
        ("POST", flow.url("notifier", "/v1/calls"), {"idempotency_key": "k-1"}),
        ("GET", flow.url("audit", f"/v1/timeline?loan_id={loan}"), None),
    )
    for headers in (expired, wrong):
        for method, url, body in asks:
            status, reason = await call(method, url, headers, body)
            assert status == 401, f"{url}: {status} {reason}"


async def in_the_log(flow: Flow, who: People, loan: str) -> None:
    """The plan and the agent's id in the evidence log, read by an auditor."""
    audit = flow.url("audit", "")

    async def plans() -> list[dict[str, Any]]:
        entries = await timeline(audit, who.auditor, loan_id=loan)
        return [e for e in entries if e["kind"] == "dunwell.case.apply-action.v1"]

    async def logged() -> bool:
        return bool(await plans())

    await eventually(logged, timeout_s=60)
    [entry] = await plans()
    assert (entry["content"]["action"], entry["content"]["actor"]) == ("plan_agreed", "agent-7")


async def evidence_read(flow: Flow, who: People, loan: str) -> None:
    """The agent reads the case's evidence through the desk, under their own id (the audit
    service logs the read as theirs); another team's agent may not."""
    path = f"/v1/cases/{loan}/evidence"
    read = await desk(flow, "GET", path, who.agent)
    kinds = {e["kind"] for e in read["entries"]}
    assert "dunwell.case.apply-action.v1" in kinds, kinds
    # the borrower's own words, for whoever reads the reply (kept encrypted in the log)
    words = [e["content"].get("text") for e in read["entries"] if e["kind"] == REPLIED]
    assert ASKED in words, words
    status, _ = await call("GET", flow.url("desk", path), who.other_team)
    assert status == 403
    _, reads = await call(
        "GET", flow.url("audit", "/v1/timeline"), who.auditor, params={"kind": READS}
    )
    assert any(e["content"].get("reader") == "agent-7" for e in reads["entries"]), reads


async def held(flow: Flow, loan: str, day: date, before: int) -> None:
    """A close of business on ``day`` is swept and the loan gets no new contact request."""
    await swept(flow.system.kafka, day)
    steps = [r.step for r in await requests_of(flow, loan)]
    assert len(steps) == before, steps


async def uncertain_confirmed(flow: Flow, who: People, loan: str) -> None:
    """The first step's uncertain email, confirmed delivered from the review queue: its code
    then verifies on the borrower's page."""

    async def waiting() -> list[dict[str, Any]]:
        body = await desk(flow, "GET", "/v1/reviews/uncertain", who.agent)
        return [i for i in body["items"] if i["loan_id"] == loan]

    async def queued() -> bool:
        return bool(await waiting())

    await eventually(queued, timeout_s=60)
    [item] = await waiting()
    code = verification_code(SECRET, item["request_id"], "email")

    async def emails() -> list[tuple[str | None, str | None]]:
        entries = await timeline(flow.url("audit", ""), who.auditor, loan_id=loan)
        return [
            (e["content"].get("kind"), e["content"].get("actor"))
            for e in entries
            if e["content"].get("channel") == "email"
        ]

    async def possibly_sent() -> bool:  # the evidence log has the uncertain send's code
        return ("send_uncertain", None) in await emails()

    await eventually(possibly_sent, timeout_s=60)
    verify = flow.url("audit", "/v1/verify")
    status, before = await call("POST", verify, body={"code": code})
    assert (status, before["genuine"], before.get("possibly_sent")) == (200, False, True)
    decision = {
        "decision_id": "d-1",
        "verdict": "confirm_delivered",
        "reason": "借款人电话确认收到邮件",
    }
    path = f"/v1/reviews/items/{item['item_id']}/decision"
    decided = await desk(flow, "POST", path, who.agent, decision)
    assert decided["decided"]["actor"] == "agent-7"

    async def registered() -> bool:  # the confirmed send's message_sent, with its code
        return ("message_sent", None) in await emails()

    await eventually(registered, timeout_s=60)
    assert ("review_decided", "agent-7") in await emails()
    status, after = await call("POST", verify, body={"code": code})
    assert (status, after["genuine"]) == (200, True)


async def disputed(flow: Flow, who: People, loan: str) -> dict[str, Any]:
    """The borrower's reply 不是我借的: an open dispute in the desk's register."""
    await flow.system.reply(NUMBER, "不是我借的")

    async def registered() -> list[dict[str, Any]]:
        body = await desk(flow, "GET", "/v1/disputes?status=open", who.supervisor)
        return [d for d in body["disputes"] if d["loan_id"] == loan]

    async def opened() -> bool:
        return bool(await registered())

    await eventually(opened, timeout_s=60)
    [entry] = await registered()
    assert (entry["category"], entry["origin"]) == ("dispute", "reply")
    return entry


async def blocked_at_the_notifier(flow: Flow, who: People, loan: str, debtor: str) -> None:
    """A contact request put straight on the notifier's topic is blocked for the dispute."""
    request = contact_request(
        loan_id=loan,
        debtor_id=debtor,
        channels=("sms",),
        due_date=DAY - timedelta(days=7),
        days_past_due=7,
        pay_by=DAY + timedelta(days=7),
    )
    publisher = KafkaEventPublisher(flow.system.kafka, service="e2e")
    await publisher.start()
    try:
        await publisher.publish(flow.system.kafka.topics.contact_requests, request)
    finally:
        await publisher.aclose()

    async def decided() -> list[dict[str, Any]]:
        entries = await timeline(flow.url("audit", ""), who.auditor, loan_id=loan)
        return [
            e["content"]
            for e in entries
            if e["content"].get("request_id") == request.event_id
            and e["kind"] == "dunwell.interaction.recorded.v1"
        ]

    async def known() -> bool:
        return bool(await decided())

    await eventually(known, timeout_s=60)
    [blocked] = await decided()
    assert blocked["kind"] == "send_blocked", blocked
    assert "CN-DISPUTE-HOLD" in blocked["rules"], blocked


async def resumed(flow: Flow, who: People, loan: str, day: date, before: int) -> None:
    """Once the scheduler released the dispute (the log shows it, under the supervisor's id),
    the close of ``day`` publishes the strategy's next step and the notifier sends it."""
    audit = flow.url("audit", "")

    async def resolutions() -> list[dict[str, Any]]:
        entries = await timeline(audit, who.auditor, loan_id=loan)
        return [e["content"] for e in entries if e["kind"] == "dunwell.dispute.resolved.v1"]

    async def released() -> bool:
        return bool(await resolutions())

    await eventually(released, timeout_s=60)
    [resolution] = await resolutions()
    assert resolution["resolved_by"] == "supervisor-2"
    await swept(flow.system.kafka, day)
    [step] = (await requests_of(flow, loan))[before:]
    assert step.step == "middle-notice"  # 31 days past due: the next range's notice

    async def sent() -> bool:
        entries = await timeline(audit, who.auditor, loan_id=loan)
        return any(
            e["content"].get("request_id") == step.event_id
            and e["content"].get("kind") == "message_sent"
            for e in entries
        )

    await eventually(sent, timeout_s=60)


@pytest.mark.timeout(300)  # the whole system starts within it
async def test_a_reply_a_plan_a_review_and_a_dispute_through_the_desk(flow: Flow) -> None:
    who = await people(flow)
    loan = await first_sms(flow)
    [first] = await requests_of(flow, loan)
    task = await extension_task(flow, who, loan)
    until = await plan_agreed(flow, who, loan, task)
    await refused_strangers(flow, who, loan)
    await in_the_log(flow, who, loan)
    await evidence_read(flow, who, loan)
    # The strategy's next step (day 15) is due by then; the plan holds it.
    await held(flow, loan, DAY + timedelta(days=9), before=1)
    # An agreed plan opens no task of its own (the agent agreed it): only the reply's, done.
    case = await desk(flow, "GET", f"/v1/cases/{loan}", who.agent)
    assert [t["kind"] for t in case["tasks"]["open"]] == []
    await uncertain_confirmed(flow, who, loan)
    dispute = await disputed(flow, who, loan)
    await blocked_at_the_notifier(flow, who, loan, first.debtor_id)
    # Past the plan's hold: the dispute still holds collection.
    sent = len(await requests_of(flow, loan))
    await held(flow, loan, until + timedelta(days=1), before=sent)
    resolution = {"resolution": "rejected", "note": "借款合同与身份核实无误"}
    path = f"/v1/disputes/{dispute['dispute_id']}/resolve"
    resolved = await desk(flow, "POST", path, who.supervisor, resolution)
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "supervisor-2")

    await resumed(flow, who, loan, until + timedelta(days=2), sent)
