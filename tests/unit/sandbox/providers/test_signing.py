"""The fakes' own signing code: the providers' published examples, and agreement with ours.

The fakes never import the notifier's signing, so a regression in ours fails against them; these
tests show theirs is right (published vectors) and that both agree on any input.
"""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sandbox.providers import aliyun, twilio, wechat
from services.notifier.adapters.channels.signing import (
    aliyun_signature,
    twilio_signature,
    wechat_signature,
)
from tests.support.vectors import ALIYUN_EXAMPLE

TEXT = st.text(min_size=1, max_size=20)
PARAMS = st.dictionaries(st.text(min_size=1, max_size=12), TEXT, min_size=1, max_size=6)


def test_the_aliyun_fake_signs_the_documented_example() -> None:
    assert aliyun.signature(ALIYUN_EXAMPLE, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_the_twilio_fake_signs_the_documented_example() -> None:
    # twilio.com/docs/usage/webhooks/webhooks-security, auth token 12345.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio.signature("12345", url, params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="


def test_the_wechat_fake_sorts_before_hashing() -> None:
    expected = hashlib.sha1(b"1409659813nonce123tok").hexdigest()  # noqa: S324
    assert wechat.signature("tok", "1409659813", "nonce123") == expected


@given(PARAMS, TEXT)
def test_aliyun_fake_and_notifier_agree(params: dict[str, str], secret: str) -> None:
    assert aliyun.signature(params, secret) == aliyun_signature(params, secret)


@given(PARAMS, TEXT, TEXT)
def test_twilio_fake_and_notifier_agree(form: dict[str, str], token: str, path: str) -> None:
    url = f"https://notifier.bank.example/{path}"
    assert twilio.signature(token, url, form) == twilio_signature(token, url, form.items())


@given(TEXT, TEXT, TEXT)
def test_wechat_fake_and_notifier_agree(token: str, stamp: str, nonce: str) -> None:
    assert wechat.signature(token, stamp, nonce) == wechat_signature(token, stamp, nonce)
