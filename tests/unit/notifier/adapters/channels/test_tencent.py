"""Tencent's callback plug: status reports on ``sid``, replies split into nation code and mobile."""

from __future__ import annotations

import json

from services.notifier.adapters.channels.callbacks import SecretPathCallbacks
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import RetryPolicy
from services.notifier.adapters.channels.tencent import (
    TencentSettings,
    callbacks,
    parse_receipts,
    parse_replies,
)
from services.notifier.domain.inbound import CallbackRequest, Receipt, Reply


def plug_with_secret(secret: str) -> SecretPathCallbacks:
    """The plug the registry builds, its pushes under ``/{secret}/``."""
    common = Common("澄河示范银行", secret, "http://127.0.0.1", "http://127.0.0.1/v", RetryPolicy())
    return callbacks(TencentSettings(), common)


def test_a_status_report_is_a_receipt_on_the_serial_number() -> None:
    body = [{"sid": "2028:x", "report_status": "SUCCESS", "errmsg": "DELIVRD"}]
    assert parse_receipts(json.dumps(body).encode()) == [
        Receipt(ids=("2028:x",), status="success: DELIVRD", dedupe="2028:x:SUCCESS")
    ]


def test_a_single_reply_object_is_one_reply() -> None:
    body = {"mobile": "13800000001", "nationcode": "86", "text": "TD", "time": 1}
    assert parse_replies(json.dumps(body).encode()) == [
        Reply(channel="sms", address="+8613800000001", text="TD", dedupe="13800000001:1:TD")
    ]


def test_the_plug_answers_as_tencent_expects() -> None:
    request = CallbackRequest(
        method="POST",
        route="/{secret}/report",
        path_qs="/v1/callbacks/tencent/s/report",
        body=b"[]",
        params={"secret": "s"},
    )
    inbound = plug_with_secret("s").read(request)
    assert inbound.items == []
    assert json.loads(inbound.answer.text) == {"result": 0, "errmsg": "OK"}
