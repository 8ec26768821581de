"""A one-click unsubscribe: the same opt-out as a reply 退订, taken once; headers on email only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.domain.email_unsubscribe import Unsubscribe, UnsubscribeLinks
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.templates import Rendered
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.handlers.email_unsubscribe import take_unsubscribe, with_list_headers
from shared.events import BorrowerReplied, InteractionRecorded
from shared.testing.memory import InMemoryEventPublisher

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
MESSAGE = Rendered(template="t@1", locale="en", subject="s", body="b", params={})
LINKS = UnsubscribeLinks((b"k",), "https://n.example", "r@bank.example", timedelta(days=1))


def context() -> tuple[CallbackContext, InMemoryNotifierStore, InMemoryEventPublisher]:
    store, publisher = InMemoryNotifierStore(), InMemoryEventPublisher()
    ctx = CallbackContext(
        store=store,
        publisher=publisher,
        interactions_topic="interactions",
        replies_topic="replies",
        packs=[load_pack("cn")],
        clock=lambda: NOW,
    )
    return ctx, store, publisher


async def test_a_click_opts_out_and_is_recorded_once_however_often_posted() -> None:
    ctx, store, publisher = context()
    ask = Unsubscribe("d1", "email", "zh-CN", NOW + timedelta(days=1))
    assert await take_unsubscribe(ctx, ask) is True
    assert await take_unsubscribe(ctx, ask) is False
    assert store.opt_outs["d1"] == {"email"}
    [reply_id] = {e.event_id for e in publisher.events("replies")}
    [reply] = [e for e in publisher.events("replies") if isinstance(e, BorrowerReplied)][:1]
    assert (reply.intent, reply.channel, reply.event_id) == ("opt_out", "email", reply_id)
    interactions = [
        e for e in publisher.events("interactions") if isinstance(e, InteractionRecorded)
    ]
    assert len({i.event_id for i in interactions}) == 1  # the audit log keeps one, by id
    assert (interactions[0].kind, interactions[0].provider) == (
        "reply_received",
        "list_unsubscribe",
    )


def test_emails_get_the_headers_other_channels_do_not() -> None:
    email = with_list_headers(LINKS, "d1", "email", MESSAGE, NOW)
    assert [name for name, _ in email.headers] == ["List-Unsubscribe", "List-Unsubscribe-Post"]
    assert email.sha256 == MESSAGE.sha256  # headers are not content
    assert with_list_headers(LINKS, "d1", "sms", MESSAGE, NOW) is MESSAGE
    assert with_list_headers(None, "d1", "email", MESSAGE, NOW) is MESSAGE
