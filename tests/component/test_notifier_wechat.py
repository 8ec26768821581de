"""WeChat's server URL on the real application (memory deps) in safe mode, pushes encrypted
by an independent implementation (wechatpy): an encrypted unfollow is an opt-out, a forged
or foreign push is refused with why, a push resent after our 503 is taken once, and a
send-finished push settles a send left uncertain."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto as Independent

from services.notifier.adapters.channels.signing import wechat_signature
from services.notifier.adapters.channels.wechat import WeChatSettings
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app
from services.notifier.bootstrap import callback_plugs, memory_deps
from services.notifier.domain.model import DirectoryEntry, GateTicket, SendStatus
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.sends import verification_code
from services.notifier.metrics import CALLBACKS_RECEIVED
from services.notifier.settings import Settings
from shared.events import InteractionRecorded
from shared.testing.memory import InMemoryEventPublisher

KEY = "Zk8rQ2mN5pX7vB1cD4fG6hJ9kL0oP3sT5uW8yA2eC4g"
APP_ID = "wx5a9e0bank00001"
TOKEN = "bank-wechat-token"  # noqa: S105 - a test token
SETTINGS = Settings(
    wechat=WeChatSettings(
        app_id=APP_ID,
        callback_token=TOKEN,
        encryption="safe",
        encoding_aes_key=KEY,
        reply_ack="已收到您的消息，我们会尽快回复。",
    ),
)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


class Bank:
    def __init__(self) -> None:
        self.store = InMemoryNotifierStore()
        self.publisher = InMemoryEventPublisher()

    def app(self) -> web.Application:
        deps = memory_deps(
            store=self.store, publisher=self.publisher, callbacks=callback_plugs(SETTINGS)
        )
        return build_app(SETTINGS, deps)

    def interactions(self) -> list[InteractionRecorded]:
        topic = SETTINGS.kafka.topics.interactions
        return [e for e in self.publisher.events(topic) if isinstance(e, InteractionRecorded)]

    async def claim(
        self, key: str, status: SendStatus, msgid: str | None = None, *, days_ago: int = 0
    ) -> None:
        at = datetime.now(UTC) - timedelta(days=days_ago)
        ticket = GateTicket(key, "d1", "loan-1", "wechat", "cp", at, b"")
        await self.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
        if status is not SendStatus.PENDING:
            await self.store.settle(key, status, msgid, "wechat")


@pytest.fixture
async def bank() -> Bank:
    bank = Bank()
    await bank.store.upsert(DirectoryEntry("d1", wechat_openid=OPENID), as_of=datetime.now(UTC))
    return bank


def push(xml: str, *, app_id: str = APP_ID, nonce: str = "n1") -> tuple[dict[str, str], bytes]:
    """The query and body WeChat posts in safe mode."""
    stamp = str(int(time.time()))
    envelope = Independent(TOKEN, KEY, app_id).encrypt_message(xml, nonce, stamp)
    query = {
        "signature": wechat_signature(TOKEN, stamp, nonce),
        "timestamp": stamp,
        "nonce": nonce,
        "openid": OPENID,
        "encrypt_type": "aes",
        "msg_signature": str(fromstring(envelope).findtext("MsgSignature")),
    }
    return query, envelope.encode()


def event(name: str, extra: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[{OPENID}]]>"
        f"</FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>{extra}</xml>"
    )


def finished(msgid: str, status: str = "success") -> str:
    return event("TEMPLATESENDJOBFINISH", f"<MsgID>{msgid}</MsgID><Status>{status}</Status>")


def counted(outcome: str) -> float:
    return float(CALLBACKS_RECEIVED.labels("wechat", outcome)._value.get())


async def test_an_encrypted_unfollow_is_a_wechat_opt_out_recorded_once(
    bank: Bank, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(bank.app())
    query, body = push(event("unsubscribe"))
    for _ in range(2):
        r = await client.post("/v1/callbacks/wechat", params=query, data=body)
        assert (r.status, await r.text()) == (200, "success")
    assert "wechat" in bank.store.opt_outs["d1"]
    assert [i.kind for i in bank.interactions()] == ["reply_received"]


@pytest.mark.parametrize(
    ("tamper", "why"),
    [("app_id", "another AppID"), ("msg_signature", "bad msg_signature"), ("plain", "plaintext")],
)
async def test_a_foreign_forged_or_plaintext_push_is_a_4xx_with_why_and_counted(
    bank: Bank, aiohttp_client: ClientFactory, tamper: str, why: str
) -> None:
    client = await aiohttp_client(bank.app())
    query, body = push(
        event("unsubscribe"), app_id="wxSomeOtherApp01" if tamper == "app_id" else APP_ID
    )
    if tamper == "msg_signature":
        query["msg_signature"] = "0" * 40
    if tamper == "plain":
        query.pop("encrypt_type")
        body = event("unsubscribe").encode()
    before = counted("rejected")
    r = await client.post("/v1/callbacks/wechat", params=query, data=body)
    assert 400 <= r.status < 500
    assert why in (await r.json())["error"]
    assert counted("rejected") == before + 1
    assert not bank.store.opt_outs["d1"]
    assert bank.interactions() == []


async def test_a_push_resent_after_our_503_is_taken_once(
    bank: Bank, aiohttp_client: ClientFactory
) -> None:
    await bank.claim("req-5|wechat", SendStatus.PENDING)  # the send's answer not back yet
    client = await aiohttp_client(bank.app())
    query, body = push(finished("2000005"), nonce="resent")
    early = await client.post("/v1/callbacks/wechat", params=query, data=body)
    assert early.status == 503
    await bank.store.settle("req-5|wechat", SendStatus.SENT, "2000005", "wechat")
    before = counted("duplicate")
    for _ in range(2):  # WeChat's resend repeats the very same query and body
        r = await client.post("/v1/callbacks/wechat", params=query, data=body)
        assert (r.status, await r.text()) == (200, "success")
    [receipt] = bank.interactions()
    assert (receipt.kind, receipt.request_id, receipt.reason) == (
        "delivery_reported",
        "req-5",
        "success",
    )
    assert counted("duplicate") == before + 1


async def test_a_send_finished_push_settles_the_uncertain_send_it_belongs_to(
    bank: Bank, aiohttp_client: ClientFactory
) -> None:
    await bank.claim("req-7|wechat", SendStatus.UNCERTAIN)  # the provider's answer was lost
    client = await aiohttp_client(bank.app())
    query, body = push(finished("2000007"))
    r = await client.post("/v1/callbacks/wechat", params=query, data=body)
    assert (r.status, await r.text()) == (200, "success")
    entry = await bank.store.entry("req-7|wechat")
    assert entry is not None
    assert (entry.status, entry.provider_message_id) == (SendStatus.SENT, "2000007")
    sent, receipt = bank.interactions()
    secret = SETTINGS.verification_secret.get_secret_value().encode()
    assert (sent.kind, sent.request_id, sent.provider_message_id) == (
        "message_sent",
        "req-7",
        "2000007",
    )
    assert sent.verification_code == verification_code(secret, "req-7", "wechat")
    assert receipt.kind == "delivery_reported"


async def test_a_failed_push_fails_the_uncertain_send_and_two_candidates_are_not_guessed(
    bank: Bank, aiohttp_client: ClientFactory
) -> None:
    await bank.claim("req-8|wechat", SendStatus.UNCERTAIN)
    client = await aiohttp_client(bank.app())
    query, body = push(finished("2000008", "failed:user block"))
    assert (await client.post("/v1/callbacks/wechat", params=query, data=body)).status == 200
    entry = await bank.store.entry("req-8|wechat")
    assert entry is not None
    assert entry.status is SendStatus.FAILED
    assert [i.kind for i in bank.interactions()] == ["send_failed", "delivery_reported"]

    await bank.claim("req-9|wechat", SendStatus.UNCERTAIN)
    await bank.claim("req-10|wechat", SendStatus.UNCERTAIN)
    query, body = push(finished("2000009"), nonce="n2")
    assert (await client.post("/v1/callbacks/wechat", params=query, data=body)).status == 503
    entry = await bank.store.entry("req-9|wechat")
    assert entry is not None
    assert entry.status is SendStatus.UNCERTAIN


async def test_an_encrypted_text_is_a_reply_answered_encrypted(
    bank: Bank, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(bank.app())
    text = (
        f"<xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[{OPENID}]]>"
        f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]>"
        "</MsgType><Content><![CDATA[我想申请分期还款]]></Content><MsgId>6100000000000000077</MsgId>"
        "</xml>"
    )
    query, body = push(text)
    r = await client.post("/v1/callbacks/wechat", params=query, data=body)
    assert r.status == 200
    answer = await r.text()
    envelope = fromstring(answer)
    opened = Independent(TOKEN, KEY, APP_ID).decrypt_message(
        answer,
        envelope.findtext("MsgSignature"),
        envelope.findtext("TimeStamp"),
        envelope.findtext("Nonce"),
    )
    assert fromstring(opened).findtext("Content") == "已收到您的消息，我们会尽快回复。"
    [reply] = [i for i in bank.interactions() if i.kind == "reply_received"]
    assert reply.reason is not None
    assert "instalment_request" in reply.reason


async def test_an_uncertain_send_older_than_a_day_is_not_matched(
    bank: Bank, aiohttp_client: ClientFactory
) -> None:
    await bank.claim("req-11|wechat", SendStatus.UNCERTAIN, days_ago=2)
    client = await aiohttp_client(bank.app())
    query, body = push(finished("2000011"))
    assert (await client.post("/v1/callbacks/wechat", params=query, data=body)).status == 503
    entry = await bank.store.entry("req-11|wechat")
    assert entry is not None
    assert entry.status is SendStatus.UNCERTAIN
