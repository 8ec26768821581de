"""WeChat's plug: callbacks signed, fresh, once; delivery events, unfollows and texts."""

from __future__ import annotations

import pytest

from services.notifier.adapters.channels.signing import wechat_signature
from services.notifier.adapters.channels.wechat import (
    WeChatCallbacks,
    parse_receipts,
    parse_replies,
)
from services.notifier.domain.inbound import CallbackRefused, CallbackRequest, Receipt, Reply

NOW = 1_772_600_000.0


def signed(
    method: str, body: bytes = b"", *, stamp: float = NOW, nonce: str = "n"
) -> CallbackRequest:
    ts = str(int(stamp))
    query = {"signature": wechat_signature("tok", ts, nonce), "timestamp": ts, "nonce": nonce}
    return CallbackRequest(
        method=method,
        route="",
        path_qs="/v1/callbacks/wechat",
        body=body,
        query=query | {"echostr": "e1"},
    )


def plug() -> WeChatCallbacks:
    return WeChatCallbacks("tok", clock=lambda: NOW)


def test_url_verification_echoes_and_a_push_answers_success() -> None:
    callbacks = plug()
    assert callbacks.read(signed("GET", nonce="a")).answer.text == "e1"
    xml = b"<xml><MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>5</MsgID></xml>"
    inbound = callbacks.read(signed("POST", xml, nonce="b"))
    assert inbound.answer.text == "success"
    assert inbound.items == [Receipt(ids=("5",), status="", dedupe="5")]


@pytest.mark.parametrize("problem", ["stale", "replayed", "forged"])
def test_stale_replayed_and_forged_pushes_are_refused(problem: str) -> None:
    callbacks = plug()
    request = signed("GET", stamp=NOW - 301) if problem == "stale" else signed("GET")
    if problem == "replayed":
        callbacks.read(request)
    if problem == "forged":
        request = CallbackRequest(
            "GET", "", "/", query=dict(request.query) | {"signature": "0" * 40}
        )
    with pytest.raises(CallbackRefused) as refused:
        callbacks.read(request)
    assert refused.value.status == 403


def test_an_unfollow_is_an_opt_out_and_other_events_are_ignored() -> None:
    unfollow = {"FromUserName": "o1", "MsgType": "event", "Event": "unsubscribe", "CreateTime": "9"}
    assert parse_replies(unfollow) == [Reply("wechat", "o1", "退订", "o1:9:unsubscribe")]
    assert parse_receipts(unfollow) == []
    view = {"MsgType": "event", "Event": "VIEW"}
    assert (parse_receipts(view), parse_replies(view)) == ([], [])


def test_a_body_that_is_not_xml_is_refused() -> None:
    with pytest.raises(CallbackRefused, match="not XML"):
        plug().read(signed("POST", b"<xml><open>"))
