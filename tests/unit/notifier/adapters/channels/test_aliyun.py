"""Aliyun's callback plug: the secret path, SmsReport receipts and SmsUp replies."""

from __future__ import annotations

import json

import pytest

from services.notifier.adapters.channels.aliyun import (
    AliyunSettings,
    callbacks,
    local_number,
    parse_receipts,
    parse_replies,
)
from services.notifier.adapters.channels.callbacks import SecretPathCallbacks
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import RetryPolicy
from services.notifier.domain.inbound import CallbackRefused, CallbackRequest, Receipt, Reply


def plug_with_secret(secret: str) -> SecretPathCallbacks:
    """The plug the registry builds, its pushes under ``/{secret}/``."""
    common = Common("澄河示范银行", secret, "http://127.0.0.1", "http://127.0.0.1/v", RetryPolicy())
    return callbacks(AliyunSettings(), common)


def push(route: str, body: object, secret: str = "s3cret") -> CallbackRequest:  # noqa: S107
    return CallbackRequest(
        method="POST",
        route=route,
        path_qs=f"/v1/callbacks/aliyun/{secret}{route.rsplit('}', 1)[1]}",
        body=json.dumps(body).encode(),
        params={"secret": secret},
    )


def test_a_report_batch_becomes_receipts_on_biz_id_then_out_id() -> None:
    body = [
        {
            "biz_id": "9^1",
            "out_id": "o1",
            "success": True,
            "err_code": "DELIVERED",
            "report_time": "t",
        },
        {"biz_id": "9^2", "success": False, "err_code": "MOBILE_NOT_ON_SERVICE"},
    ]
    assert parse_receipts(json.dumps(body).encode()) == [
        Receipt(ids=("9^1", "o1"), status="delivered: DELIVERED", dedupe="9^1:DELIVERED:t"),
        Receipt(
            ids=("9^2", ""),
            status="failed: MOBILE_NOT_ON_SERVICE",
            dedupe="9^2:MOBILE_NOT_ON_SERVICE:None",
        ),
    ]


def test_a_reply_gets_its_country_code_back() -> None:
    body = [{"phone_number": "8613800000001", "content": "TD", "sequence_id": 7}]
    assert parse_replies(json.dumps(body).encode()) == [
        Reply(channel="sms", address="+8613800000001", text="TD", dedupe="7:8613800000001")
    ]


def test_the_plug_answers_as_aliyun_expects_and_refuses_a_wrong_secret() -> None:
    plug = plug_with_secret("s3cret")
    inbound = plug.read(push("/{secret}/reply", [{"phone_number": "13800000001"}]))
    assert json.loads(inbound.answer.text) == {"code": 0, "msg": "接收成功"}
    assert [type(i) for i in inbound.items] == [Reply]
    with pytest.raises(CallbackRefused) as refused:
        plug.read(push("/{secret}/report", [], secret="guess"))
    assert refused.value.status == 404


def test_a_body_that_is_neither_an_object_nor_an_array_of_objects_is_refused() -> None:
    with pytest.raises(CallbackRefused, match="array of objects") as refused:
        parse_receipts(b"[1, 2]")
    assert refused.value.status == 400


def test_mainland_numbers_go_without_the_country_code() -> None:
    assert local_number("+8613800000001") == "13800000001"
    assert local_number("+85291234567") == "85291234567"
