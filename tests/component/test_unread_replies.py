"""A reply the notifier could not read reaches a person: through the scheduler's real faust
agent (``test_context``, memory store) it opens a ``reply_review`` task on the loan, which the
desk's real application puts in the collections queue; an acknowledgement opens nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.app import build_app as build_desk
from services.desk.bootstrap import memory_deps
from services.desk.domain.i18n_en import EN
from services.desk.domain.i18n_zh import ZH
from services.desk.settings import ApiToken
from services.desk.settings import Settings as DeskSettings
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.replies import understand
from shared.events import AgentTaskOpened, BorrowerReplied, ReplyIntent, encode
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.polling import eventually
from tests.support.faust import closing_spare_loops
from tests.support.scheduler_app import put, ready_app

TASKS = "dunwell.tasks.v1"
Client = TestClient[web.Request, web.Application]


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


def reply(loan_id: str, debtor_id: str, text: str, n: int) -> BorrowerReplied:
    """The reply as the notifier publishes it: understood by the real classifier."""
    intent: ReplyIntent = understand(text, "sms", [load_pack("cn")], date(2026, 3, 4)).intent
    return BorrowerReplied(
        event_id=f"reply-{n}",
        occurred_at=datetime(2026, 3, 4, 3, tzinfo=UTC),
        debtor_id=debtor_id,
        loan_id=loan_id,
        channel="sms",
        intent=intent,
    )


async def tasks_after(*texts: str) -> tuple[list[BorrowerReplied], list[AgentTaskOpened]]:
    publisher = InMemoryEventPublisher()
    app = ready_app(publisher)
    loan = overdue(due_date=date(2026, 3, 1))
    replies = [reply(loan.loan_id, str(loan.debtor_id), t, n) for n, t in enumerate(texts)]
    async with app.agents["track-loans"].test_context() as context:
        await put(context, loan)
        for event in replies:
            await put(context, event)
    opened = [e for e in publisher.events(TASKS) if isinstance(e, AgentTaskOpened)]
    return replies, opened


async def test_a_reply_not_understood_opens_a_task_to_read_it() -> None:
    [unread], [task] = await tasks_after("你们这个月的活动是什么")
    assert unread.intent == "other"
    assert (task.kind, task.loan_id, task.debtor_id) == (
        "reply_review",
        unread.loan_id,
        unread.debtor_id,
    )
    assert task.due_by >= date(2026, 3, 4)


@pytest.mark.parametrize("text", ["收到", "好的，谢谢", "ok thanks", "👍"])
async def test_an_acknowledgement_opens_nothing(text: str) -> None:
    [ack], opened = await tasks_after(text)
    assert ack.intent == "acknowledgement"
    assert opened == []


async def test_the_desk_puts_the_reading_task_in_the_collections_queue(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> None:
    _, [task] = await tasks_after("这条短信什么意思，我看不懂")
    settings = DeskSettings(
        api_tokens={"agent-7": ApiToken(token="t7", role="agent", team="collections")}
    )
    store, source = InMemoryDeskStore(), InMemorySource()
    deps = memory_deps(
        store=store,
        source=source,
        publisher=InMemoryEventPublisher(),
        clock=lambda: task.occurred_at + timedelta(hours=1),
    )
    http = await aiohttp_client(build_desk(settings, deps))
    source.append(settings.kafka.topics.tasks, encode(task, source="/dunwell/scheduler"))
    await eventually(lambda: task.event_id in store.tasks)
    response = await http.get("/v1/queues/collections", headers={"Authorization": "Bearer t7"})
    queue = (await response.json())["tasks"]
    assert [(t["task_id"], t["loan_id"], t["kind"]) for t in queue] == [
        (task.event_id, task.loan_id, "reply_review")
    ]
    assert (ZH["kind.reply_review"], EN["kind.reply_review"]) == ("回复待阅", "Reply to read")
