"""Provider callbacks on the notifier's HTTP app: signatures, replays, receipts and replies."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.notifier.adapters.channels.registry import build_callbacks
from services.notifier.adapters.channels.signing import twilio_signature, wechat_signature
from services.notifier.adapters.channels.twilio import TwilioSettings
from services.notifier.adapters.channels.wechat import WeChatSettings
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.domain.model import DirectoryEntry, GateTicket, SendStatus
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.entrypoints.callbacks import CALLBACKS, callback_routes
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.handlers.receipts import take_early
from services.notifier.metrics import CALLBACKS_RECEIVED
from services.notifier.settings import Settings
from shared.events import BorrowerReplied, InteractionRecorded
from shared.testing.memory import InMemoryEventPublisher

SETTINGS = Settings(
    callback_secret="path-secret",
    twilio=TwilioSettings(auth_token="twilio-token"),
    wechat=WeChatSettings(callback_token="wechat-token"),
    public_base_url="https://notifier.bank.example",
)
NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


class Fixture:
    def __init__(self) -> None:
        self.store = InMemoryNotifierStore()
        self.publisher = InMemoryEventPublisher()
        self.ctx = CallbackContext(
            store=self.store,
            publisher=self.publisher,
            interactions_topic="interactions",
            replies_topic="replies",
            packs=[load_pack("cn")],
            clock=lambda: NOW,
        )

    def app(self) -> web.Application:
        app = web.Application()
        app[CALLBACKS] = self.ctx
        app.add_routes(callback_routes(build_callbacks(SETTINGS)))
        return app

    async def sent(self, key: str, provider_id: str, provider: str) -> None:
        ticket = GateTicket(key, "d1", "loan-1", "sms", "cp", NOW, b"")
        await self.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
        await self.store.settle(key, SendStatus.SENT, provider_id, provider)

    def interactions(self) -> list[InteractionRecorded]:
        return [
            e for e in self.publisher.events("interactions") if isinstance(e, InteractionRecorded)
        ]

    def replies(self) -> list[BorrowerReplied]:
        return [e for e in self.publisher.events("replies") if isinstance(e, BorrowerReplied)]


@pytest.fixture
def f() -> Fixture:
    return Fixture()


def rejected(provider: str) -> float:
    return float(CALLBACKS_RECEIVED.labels(provider, "rejected")._value.get())


class TestAliyun:
    async def test_a_receipt_batch_is_taken_once(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.sent("req-1|sms", "900^abc", "aliyun")
        client = await aiohttp_client(f.app())
        batch = [
            {
                "biz_id": "900^abc",
                "out_id": "o1",
                "success": True,
                "err_code": "DELIVERED",
                "report_time": "2026-03-04 12:00:05",
                "phone_number": "13800000001",
            }
        ]
        for _ in range(2):  # Aliyun retries and may repeat a receipt
            r = await client.post("/v1/callbacks/aliyun/path-secret/report", json=batch)
            assert r.status == 200
            assert await r.json() == {"code": 0, "msg": "接收成功"}
        [receipt] = f.interactions()
        assert receipt.kind == "delivery_reported"
        assert receipt.request_id == "req-1"
        assert receipt.reason == "delivered: DELIVERED"

    async def test_a_wrong_path_secret_is_not_found_and_counted(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        client = await aiohttp_client(f.app())
        before = rejected("aliyun")
        r = await client.post("/v1/callbacks/aliyun/guess/report", json=[])
        assert r.status == 404
        assert rejected("aliyun") == before + 1

    async def test_a_body_that_is_not_json_is_a_400(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        client = await aiohttp_client(f.app())
        r = await client.post("/v1/callbacks/aliyun/path-secret/report", data=b"\xff\xfe")
        assert r.status == 400
        assert "not JSON" in (await r.json())["error"]


async def test_a_receipt_that_overtakes_the_send_is_kept_and_taken_once_it_settles(
    f: Fixture, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(f.app())
    batch = [{"biz_id": "901^x", "success": True, "err_code": "DELIVERED", "report_time": "t"}]
    early = await client.post("/v1/callbacks/aliyun/path-secret/report", json=batch)
    assert early.status == 200  # kept: the provider is not asked to retry
    assert f.interactions() == []
    await f.sent("req-5|sms", "901^x", "aliyun")
    await take_early(client.app[CALLBACKS])  # as after the send's batch settles
    assert [i.kind for i in f.interactions()] == ["delivery_reported"]
    again = await client.post("/v1/callbacks/aliyun/path-secret/report", json=batch)
    assert again.status == 200
    assert [i.kind for i in f.interactions()] == ["delivery_reported"]  # taken once


async def test_a_list_of_receipts_is_taken_in_one_request(
    f: Fixture, aiohttp_client: ClientFactory
) -> None:
    for n in range(3):
        await f.sent(f"req-l{n}|sms", f"90{n}^l", "aliyun")
    client = await aiohttp_client(f.app())
    batch = [
        {"biz_id": f"90{n}^l", "success": True, "err_code": "DELIVERED", "report_time": "t"}
        for n in (0, 1, 2, 1)
    ]
    r = await client.post("/v1/callbacks/aliyun/path-secret/report", json=batch)
    assert r.status == 200
    assert sorted(i.request_id or "" for i in f.interactions()) == ["req-l0", "req-l1", "req-l2"]


class TestReplies:
    async def test_an_opt_out_reply_stops_the_channel_and_reaches_the_scheduler(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.store.upsert(DirectoryEntry("d1", mobile="+8613800000001"), as_of=NOW)
        await f.sent("req-1|sms", "900^abc", "aliyun")
        client = await aiohttp_client(f.app())
        item = {"mobile": "13800000001", "nationcode": "86", "text": "TD", "time": 1772600000}
        r = await client.post("/v1/callbacks/tencent/path-secret/reply", json=item)
        assert r.status == 200
        assert f.store.opt_outs["d1"] == {"sms"}
        [reply] = f.replies()
        assert (reply.debtor_id, reply.loan_id, reply.intent) == ("d1", "loan-1", "opt_out")
        assert [i.kind for i in f.interactions()] == ["reply_received"]

    async def test_a_reply_from_an_unknown_number_changes_nothing(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        client = await aiohttp_client(f.app())
        item = {"mobile": "13900000009", "nationcode": "86", "text": "TD", "time": 1}
        assert (
            await client.post("/v1/callbacks/tencent/path-secret/reply", json=item)
        ).status == 200
        assert f.replies() == []


class TestTwilio:
    URL = "https://notifier.bank.example/v1/callbacks/twilio/status"

    async def test_a_signed_status_callback_is_taken(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.sent("req-2|sms", "SM123", "twilio")
        client = await aiohttp_client(f.app())
        form = {"MessageSid": "SM123", "MessageStatus": "delivered", "To": "+14155550100"}
        signature = twilio_signature("twilio-token", self.URL, form.items())
        r = await client.post(
            "/v1/callbacks/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert r.status == 204
        assert [i.reason for i in f.interactions()] == ["delivered"]

    async def test_a_forged_callback_is_refused_and_counted(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.sent("req-2|sms", "SM123", "twilio")
        client = await aiohttp_client(f.app())
        form = {"MessageSid": "SM123", "MessageStatus": "delivered"}
        signature = twilio_signature("not-the-token", self.URL, form.items())
        before = rejected("twilio")
        r = await client.post(
            "/v1/callbacks/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert r.status == 403
        assert rejected("twilio") == before + 1
        assert f.interactions() == []

    async def test_a_tampered_field_breaks_the_signature(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        client = await aiohttp_client(f.app())
        form = {"MessageSid": "SM123", "MessageStatus": "failed"}
        signature = twilio_signature("twilio-token", self.URL, form.items())
        form["MessageStatus"] = "delivered"
        r = await client.post(
            "/v1/callbacks/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert r.status == 403


class TestWeChat:
    def params(self, stamp: int | None = None, nonce: str = "n1") -> dict[str, str]:
        ts = str(stamp if stamp is not None else int(time.time()))
        return {
            "signature": wechat_signature("wechat-token", ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
        }

    def finished(self, msgid: str) -> bytes:
        return (
            f"<xml><FromUserName><![CDATA[{OPENID}]]></FromUserName><MsgType><![CDATA[event]]>"
            f"</MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{msgid}</MsgID>"
            f"<Status><![CDATA[success]]></Status></xml>"
        ).encode()

    async def test_url_verification_echoes(self, f: Fixture, aiohttp_client: ClientFactory) -> None:
        client = await aiohttp_client(f.app())
        r = await client.get("/v1/callbacks/wechat", params=self.params() | {"echostr": "e42"})
        assert await r.text() == "e42"

    async def test_a_signed_delivery_event_is_taken(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.sent("req-3|wechat", "2000001", "wechat")
        client = await aiohttp_client(f.app())
        r = await client.post(
            "/v1/callbacks/wechat", params=self.params(), data=self.finished("2000001")
        )
        assert await r.text() == "success"
        assert [i.kind for i in f.interactions()] == ["delivery_reported"]

    @pytest.mark.parametrize("problem", ["signature", "stale"])
    async def test_forged_and_stale_pushes_are_refused(
        self, f: Fixture, aiohttp_client: ClientFactory, problem: str
    ) -> None:
        await f.sent("req-9|wechat", "1", "wechat")
        client = await aiohttp_client(f.app())
        params = self.params(nonce="once")
        if problem == "signature":
            params["signature"] = "0" * 40
        else:
            params = self.params(stamp=int(time.time()) - 3600)
        before = rejected("wechat")
        r = await client.post("/v1/callbacks/wechat", params=params, data=self.finished("1"))
        assert r.status == 403
        assert rejected("wechat") == before + 1

    async def test_a_repeated_push_is_answered_success_and_taken_once(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.sent("req-9|wechat", "1", "wechat")
        client = await aiohttp_client(f.app())
        params = self.params(nonce="once")
        for _ in range(2):
            r = await client.post("/v1/callbacks/wechat", params=params, data=self.finished("1"))
            assert (r.status, await r.text()) == (200, "success")
        assert [i.kind for i in f.interactions()] == ["delivery_reported"]

    async def test_a_text_asking_for_instalments_reaches_the_scheduler(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        await f.store.upsert(DirectoryEntry("d1", wechat_openid=OPENID), as_of=NOW)
        client = await aiohttp_client(f.app())
        xml = (
            f"<xml><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>1</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[我想申请分期还款]]></Content>"
            "<MsgId>77</MsgId></xml>"
        ).encode()
        r = await client.post("/v1/callbacks/wechat", params=self.params(), data=xml)
        assert r.status == 200
        [reply] = f.replies()
        assert reply.intent == "instalment_request"
        assert reply.channel == "wechat"

    async def test_malformed_xml_is_a_400(self, f: Fixture, aiohttp_client: ClientFactory) -> None:
        client = await aiohttp_client(f.app())
        r = await client.post("/v1/callbacks/wechat", params=self.params(), data=b"<xml><unclosed>")
        assert r.status == 400


class TestTheOneEntryPoint:
    async def test_every_url_a_console_knows_is_routed_with_its_methods(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        routes = {
            (r.method, r.resource.canonical)
            for r in f.app().router.routes()
            if r.resource is not None
        }
        assert routes == {
            ("POST", "/v1/callbacks/aliyun/{secret}/report"),
            ("POST", "/v1/callbacks/aliyun/{secret}/reply"),
            ("POST", "/v1/callbacks/tencent/{secret}/report"),
            ("POST", "/v1/callbacks/tencent/{secret}/reply"),
            ("POST", "/v1/callbacks/twilio/status"),
            ("POST", "/v1/callbacks/twilio/inbound"),
            ("GET", "/v1/callbacks/wechat"),
            ("HEAD", "/v1/callbacks/wechat"),
            ("POST", "/v1/callbacks/wechat"),
        }

    async def test_an_unknown_provider_is_not_found_and_a_wrong_method_not_allowed(
        self, f: Fixture, aiohttp_client: ClientFactory
    ) -> None:
        client = await aiohttp_client(f.app())
        assert (await client.post("/v1/callbacks/huawei/path-secret/report")).status == 404
        assert (await client.get("/v1/callbacks/twilio/status")).status == 405
