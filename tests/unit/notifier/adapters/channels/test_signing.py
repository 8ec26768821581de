"""Provider signatures against the providers' own published examples."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from services.notifier.adapters.channels.signing import (
    aliyun_encode,
    aliyun_signature,
    tc3_authorization,
    twilio_signature,
    wechat_signature,
)
from tests.support.vectors import ALIYUN_EXAMPLE


def test_aliyun_matches_the_documented_example() -> None:
    assert aliyun_signature(ALIYUN_EXAMPLE, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


@pytest.mark.parametrize(
    "value",
    [
        "",
        "SendSms",
        "a b+c",
        "~-_.",
        "/&=%",
        "【示例银行】逾期12天",
        "\u00ff\U0001f600\n\t",
        "".join(map(chr, range(1, 300))),
    ],
)
def test_aliyun_encoding_is_rfc3986_percent_encoding_of_utf8(value: str) -> None:
    assert aliyun_encode(value) == quote(value, safe="-_.~")


def test_aliyun_signature_covers_every_parameter() -> None:
    changed = ALIYUN_EXAMPLE | {"TemplateParam": '{"customer":"tests"}'}
    assert aliyun_signature(changed, "testSecret") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_signature(ALIYUN_EXAMPLE | {"Signature": "x"}, "testSecret") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )


def test_twilio_matches_the_documented_example() -> None:
    # twilio.com/docs/usage/webhooks/webhooks-security, auth token 12345.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params.items()) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert twilio_signature("12345", url.replace("https", "http"), params.items()) != (
        "GvWf1cFY/Q7PnoempGyD5oXAezc="
    )


def test_wechat_sorts_before_hashing() -> None:
    expected = hashlib.sha1(b"1409659813nonce123tok").hexdigest()  # noqa: S324
    assert wechat_signature("tok", "1409659813", "nonce123") == expected
    assert wechat_signature("tok", "nonce123", "1409659813") == expected


def test_tc3_header_shape_and_key_derivation_depend_on_every_input() -> None:
    base = {
        "secret_id": "AKIDEXAMPLE",
        "secret_key": "key",
        "service": "sms",
        "host": "sms.tencentcloudapi.com",
        "timestamp": 1551113065,
        "date": "2019-02-25",
        "payload": b'{"Limit": 1}',
    }
    header = tc3_authorization(**base)  # type: ignore[arg-type]
    assert header.startswith(
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/sms/tc3_request, "
        "SignedHeaders=content-type;host, Signature="
    )
    signature = header.rsplit("=", 1)[1]
    assert len(signature) == 64
    for field, value in [("payload", b"{}"), ("date", "2019-02-26"), ("secret_key", "other")]:
        assert tc3_authorization(**(base | {field: value})) != header  # type: ignore[arg-type]
