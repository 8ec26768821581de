"""WeChat's server URL: pushes signed and fresh, in plaintext, compatible and safe mode (safe
mode against an independent implementation, wechatpy, both ways); every push understood."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import ValidationError
from wechatpy.crypto import WeChatCrypto as Independent

from services.notifier.adapters.channels.signing import wechat_signature
from services.notifier.adapters.channels.wechat import WeChatSettings
from services.notifier.adapters.channels.wechat_crypto import WeChatCrypto
from services.notifier.adapters.channels.wechat_push import (
    Encryption,
    WeChatCallbacks,
    parse_receipts,
    parse_replies,
)
from services.notifier.domain.inbound import CallbackRefused, CallbackRequest, Receipt, Reply

NOW = 1_772_600_000.0
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP = "wx5a9e0sandbox01"
UNFOLLOW = (
    "<xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[oBorrower1]]>"
    "</FromUserName><CreateTime>1772599990</CreateTime><MsgType><![CDATA[event]]></MsgType>"
    "<Event><![CDATA[unsubscribe]]></Event></xml>"
)
TEXT = (
    "<xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[oBorrower1]]>"
    "</FromUserName><CreateTime>1772599991</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[我下周五还5000元]]></Content><MsgId>6100000000000000001</MsgId></xml>"
)


def signed(
    method: str,
    body: bytes = b"",
    *,
    stamp: float = NOW,
    nonce: str = "n",
    extra: dict[str, str] | None = None,
) -> CallbackRequest:
    ts = str(int(stamp))
    query = {"signature": wechat_signature("tok", ts, nonce), "timestamp": ts, "nonce": nonce}
    return CallbackRequest(
        method=method,
        route="",
        path_qs="/v1/callbacks/wechat",
        body=body,
        query=query | {"echostr": "e1"} | (extra or {}),
    )


def sealed_push(xml: str, *, app_id: str = APP, nonce: str = "n") -> CallbackRequest:
    """A push as WeChat sends it in safe mode, encrypted by the independent implementation."""
    ts = str(int(NOW))
    envelope = Independent("tok", KEY, app_id).encrypt_message(xml, nonce, ts)
    signature = fromstring(envelope).findtext("MsgSignature")
    extra = {"encrypt_type": "aes", "msg_signature": signature}
    return signed("POST", envelope.encode(), nonce=nonce, extra=extra)


def plug(encryption: Encryption = "plain", *, ack: str = "") -> WeChatCallbacks:
    crypto = WeChatCrypto(KEY, APP) if encryption != "plain" else None
    return WeChatCallbacks(
        "tok", clock=lambda: NOW, encryption=encryption, crypto=crypto, reply_ack=ack
    )


def test_url_verification_echoes_and_a_push_answers_success() -> None:
    callbacks = plug()
    assert callbacks.read(signed("GET", nonce="a")).answer.text == "e1"
    xml = b"<xml><MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>5</MsgID></xml>"
    inbound = callbacks.read(signed("POST", xml, nonce="b"))
    assert inbound.answer.text == "success"
    assert inbound.items == [Receipt(ids=("5",), status="", dedupe="5")]


@pytest.mark.parametrize("problem", ["stale", "forged"])
def test_stale_and_forged_pushes_are_refused(problem: str) -> None:
    request = signed("GET", stamp=NOW - 301) if problem == "stale" else signed("GET")
    if problem == "forged":
        request = CallbackRequest(
            "GET", "", "/", query=dict(request.query) | {"signature": "0" * 40}
        )
    with pytest.raises(CallbackRefused) as refused:
        plug().read(request)
    assert refused.value.status == 403


def test_a_push_resent_with_the_same_query_is_read_again_not_refused_as_a_replay() -> None:
    """WeChat resends a push it got a 503 for with the very same query; the store takes each
    receipt once by its MsgID, so the plug must not refuse the second copy."""
    callbacks = plug()
    xml = b"<xml><MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>7</MsgID></xml>"
    first = callbacks.read(signed("POST", xml, nonce="same"))
    again = callbacks.read(signed("POST", xml, nonce="same"))
    assert first.items == again.items
    assert again.items[0].dedupe == "7"


def test_an_unfollow_is_an_opt_out_and_other_events_are_ignored() -> None:
    unfollow = {"FromUserName": "o1", "MsgType": "event", "Event": "unsubscribe", "CreateTime": "9"}
    assert parse_replies(unfollow) == [Reply("wechat", "o1", "退订", "o1:9:unsubscribe")]
    assert parse_receipts(fromstring(UNFOLLOW)) == []
    view = {"MsgType": "event", "Event": "VIEW"}
    assert parse_replies(view) == []
    assert (
        parse_receipts(fromstring("<xml><MsgType>event</MsgType><Event>VIEW</Event></xml>")) == []
    )


def test_a_send_finished_event_names_its_recipient_and_a_subscribe_one_each_message() -> None:
    template = fromstring(
        "<xml><FromUserName>oB</FromUserName><MsgType>event</MsgType>"
        "<Event>TEMPLATESENDJOBFINISH</Event><MsgID>200163836</MsgID>"
        "<Status>failed:user block</Status></xml>"
    )
    assert parse_receipts(template) == [
        Receipt(("200163836",), "failed:user block", "200163836", ("wechat", "oB"), failed=True)
    ]
    subscribe = fromstring(
        "<xml><FromUserName>oB</FromUserName><MsgType>event</MsgType>"
        "<Event>subscribe_msg_sent_event</Event><SubscribeMsgSentEvent>"
        "<List><TemplateId>T1</TemplateId><MsgID>11</MsgID><ErrorCode>0</ErrorCode>"
        "<ErrorStatus>success</ErrorStatus></List>"
        "<List><TemplateId>T1</TemplateId><MsgID>12</MsgID><ErrorCode>43101</ErrorCode>"
        "<ErrorStatus>user refuse to accept the msg</ErrorStatus></List>"
        "</SubscribeMsgSentEvent></xml>"
    )
    assert [(r.ids, r.status, r.dedupe, r.failed) for r in parse_receipts(subscribe)] == [
        (("11",), "success", "subscribe:11", False),
        (("12",), "user refuse to accept the msg", "subscribe:12", True),
    ]


def test_a_body_that_is_not_xml_is_refused() -> None:
    with pytest.raises(CallbackRefused, match="not XML"):
        plug().read(signed("POST", b"<xml><open>"))


@pytest.mark.parametrize("encryption", ["safe", "compatible"])
def test_an_encrypted_unfollow_is_decrypted_and_understood(encryption: Encryption) -> None:
    inbound = plug(encryption).read(sealed_push(UNFOLLOW))
    assert inbound.items == [
        Reply("wechat", "oBorrower1", "退订", "oBorrower1:1772599990:unsubscribe")
    ]
    assert inbound.answer.text == "success"


def test_an_encrypted_text_gets_an_encrypted_passive_reply_the_independent_side_reads() -> None:
    inbound = plug("safe", ack="已收到，我们会尽快答复").read(sealed_push(TEXT, nonce="n9"))
    [reply] = inbound.items
    assert isinstance(reply, Reply)
    assert (reply.text, reply.dedupe) == ("我下周五还5000元", "6100000000000000001")
    envelope = fromstring(inbound.answer.text)
    opened = Independent("tok", KEY, APP).decrypt_message(
        inbound.answer.text,
        envelope.findtext("MsgSignature"),
        envelope.findtext("TimeStamp"),
        envelope.findtext("Nonce"),
    )
    answer = fromstring(opened)
    assert answer.findtext("ToUserName") == "oBorrower1"
    assert answer.findtext("FromUserName") == "gh_bank"
    assert answer.findtext("Content") == "已收到，我们会尽快答复"


def test_a_plaintext_text_gets_a_plaintext_passive_reply() -> None:
    inbound = plug(ack="已收到").read(signed("POST", TEXT.encode()))
    assert fromstring(inbound.answer.text).findtext("Content") == "已收到"


@pytest.mark.parametrize(
    ("encryption", "request_of", "status", "why"),
    [
        ("safe", lambda: sealed_push(UNFOLLOW, app_id="wxAnotherAccount"), 403, "AppID"),
        ("safe", lambda: signed("POST", UNFOLLOW.encode()), 400, "plaintext push"),
        ("plain", lambda: sealed_push(UNFOLLOW), 400, "no EncodingAESKey"),
        (
            "safe",
            lambda: signed(
                "POST",
                b"<xml><Encrypt>abcd</Encrypt></xml>",
                extra={"encrypt_type": "aes", "msg_signature": "0" * 40},
            ),
            403,
            "msg_signature",
        ),
        ("safe", lambda: signed("POST", b"<xml/>", extra={"encrypt_type": "rsa"}), 400, "rsa"),
    ],
)
def test_an_encrypted_push_that_fails_a_check_is_refused_with_why(
    encryption: Encryption,
    request_of: object,
    status: int,
    why: str,
) -> None:
    assert callable(request_of)
    with pytest.raises(CallbackRefused, match=why) as refused:
        plug(encryption).read(request_of())
    assert refused.value.status == status


def test_an_account_in_safe_mode_needs_its_key_and_a_key_must_be_one() -> None:
    with pytest.raises(ValidationError, match="43 characters"):
        WeChatSettings(app_id=APP, encryption="safe")
    with pytest.raises(ValidationError, match="43 characters"):
        WeChatSettings(app_id=APP, encryption="plain", encoding_aes_key="short")
    assert WeChatSettings(encryption="safe").crypto() is None  # no account: no WeChat at all
    assert WeChatSettings(app_id=APP, encryption="safe", encoding_aes_key=KEY).crypto()
    unconfigured = WeChatCallbacks("tok", clock=lambda: NOW, encryption="safe")
    with pytest.raises(CallbackRefused, match="no EncodingAESKey"):
        unconfigured.read(sealed_push(UNFOLLOW))
