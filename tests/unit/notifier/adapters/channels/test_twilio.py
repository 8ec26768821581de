"""Twilio's callback plug: the form, its signature over our public URL, statuses and replies."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from pydantic import ValidationError

from services.notifier.adapters.channels.signing import twilio_signature
from services.notifier.adapters.channels.twilio import TwilioCallbacks, TwilioSettings
from services.notifier.domain.inbound import CallbackRefused, CallbackRequest, Receipt, Reply
from services.notifier.settings import Settings

BASE = "https://notifier.bank.example"
PLUG = TwilioCallbacks("token", BASE + "/")


def posted(
    route: str,
    form: dict[str, str],
    *,
    token: str = "token",  # noqa: S107 - a test token
    content_type: str = "application/x-www-form-urlencoded",
) -> CallbackRequest:
    path = f"/v1/callbacks/twilio{route}"
    signature = twilio_signature(token, BASE + path, form.items())
    return CallbackRequest(
        method="POST",
        route=route,
        path_qs=path,
        body=urlencode(form).encode(),
        content_type=content_type,
        headers={"X-Twilio-Signature": signature},
    )


def test_a_signed_status_is_a_receipt_answered_with_no_content() -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30005"}
    inbound = PLUG.read(posted("/status", form))
    assert inbound.items == [
        Receipt(ids=("SM1",), status="undelivered: error 30005", dedupe="SM1:undelivered")
    ]
    assert inbound.answer.status == 204


def test_an_inbound_message_is_a_reply_answered_with_empty_twiml() -> None:
    form = {"MessageSid": "SM2", "From": "+14155550100", "Body": "STOP"}
    inbound = PLUG.read(posted("/inbound", form))
    assert inbound.items == [Reply("sms", "+14155550100", "STOP", "SM2")]
    assert inbound.answer.text == "<Response/>"


@pytest.mark.parametrize(
    ("request_", "status", "counted"),
    [
        (posted("/status", {"MessageSid": "SM1"}, token="other"), 403, True),
        (posted("/status", {"MessageSid": "SM1"}, content_type="application/json"), 415, False),
    ],
)
def test_a_forged_or_unreadable_callback_is_refused(
    request_: CallbackRequest, status: int, counted: bool
) -> None:
    with pytest.raises(CallbackRefused) as refused:
        PLUG.read(request_)
    assert (refused.value.status, refused.value.counted) == (status, counted)


class TestTheSender:
    SERVICE = "MG" + "0123456789abcdef" * 2

    def test_a_number_or_a_messaging_service_names_the_sender(self) -> None:
        assert TwilioSettings(from_number="+15005550006").sender() == {"From": "+15005550006"}
        assert TwilioSettings(messaging_service_sid=self.SERVICE).sender() == {
            "MessagingServiceSid": self.SERVICE
        }

    def test_both_at_once_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="not both"):
            TwilioSettings(from_number="+15005550006", messaging_service_sid=self.SERVICE)

    def test_a_service_sid_of_another_shape_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="MG followed by 32 hex digits"):
            TwilioSettings(messaging_service_sid="PN" + "0" * 32)

    def test_the_notifier_will_not_start_with_twilio_and_no_sender(self) -> None:
        with pytest.raises(ValidationError, match="from_number or messaging_service_sid"):
            Settings(sms_providers=("twilio",))
        Settings(sms_providers=("aliyun",))  # Twilio unused: no sender needed
        Settings(
            sms_providers=("twilio",), twilio=TwilioSettings(messaging_service_sid=self.SERVICE)
        )
