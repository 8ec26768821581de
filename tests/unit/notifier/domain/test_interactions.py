"""What each outcome of a send is recorded as."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifier.domain.interactions import (
    gated,
    not_sent,
    replayed,
    sent,
    stopped,
    uncertain,
)
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.sends import Send, send_key, verification_code
from services.notifier.domain.templates import Rendered
from shared.testing.factories import contact_request

AT = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
MESSAGE = Rendered("overdue-notice-v1@1", "en", "Overdue", "Please pay ****5678.", {})
ALLOW = Decision(outcome=Outcome.ALLOW, packs=["cn@1#abc"])


def _send() -> Send:
    return Send.of(contact_request(), "email", b"secret")


def test_a_send_is_keyed_and_coded_by_request_and_channel() -> None:
    send = _send()
    assert send.key == send_key(send.request.event_id, "email")
    assert send.code == verification_code(b"secret", send.request.event_id, "email")
    delivery = send.addressed("a@borrower.example", MESSAGE)
    assert (delivery.key, delivery.code, delivery.address) == (
        send.key,
        send.code,
        "a@borrower.example",
    )


def test_a_stopped_send_records_why_but_no_code_nor_content() -> None:
    send = _send()
    held = stopped(send, "send_held", AT, "no email contact point yet")
    assert (held.kind, held.reason, held.occurred_at) == (
        "send_held",
        "no email contact point yet",
        AT,
    )
    assert (held.verification_code, held.content_sha256, held.policy_pack) == (None, None, None)
    assert (held.request_id, held.account_masked) == (send.request.event_id, "****5678")
    assert stopped(send, "send_held", LATER, "again").event_id == held.event_id


def test_a_sent_message_records_its_code_content_and_packs() -> None:
    delivery = _send().addressed("a@borrower.example", MESSAGE)
    done = sent(delivery, ALLOW, AT, "smtp", "m-1")
    assert (done.kind, done.provider, done.provider_message_id) == ("message_sent", "smtp", "m-1")
    assert done.verification_code == delivery.code
    assert (done.content_sha256, done.template) == (MESSAGE.sha256, "overdue-notice-v1@1")
    assert done.policy_pack == "cn@1#abc"


def test_a_replayed_send_repeats_the_sent_interaction_id_without_content() -> None:
    send = _send()
    delivery = send.addressed("a@borrower.example", MESSAGE)
    again = replayed(send, LATER, "smtp", "m-1")
    assert again.event_id == sent(delivery, ALLOW, AT, "smtp", "m-1").event_id
    assert again.verification_code == send.code
    assert (again.content_sha256, again.policy_pack) == (None, None)


def test_each_deferral_is_its_own_interaction() -> None:
    delivery = _send().addressed("a@borrower.example", MESSAGE)
    night = Decision(outcome=Outcome.DEFER, until=LATER, rules=["CN-TIME-1"], reasons=["night"])
    deferred = gated(delivery, night, AT)
    assert (deferred.kind, deferred.rules, deferred.deferred_until) == (
        "send_deferred",
        ("CN-TIME-1",),
        LATER,
    )
    assert (deferred.reason, deferred.content_sha256) == ("night", MESSAGE.sha256)
    other = Decision(outcome=Outcome.DEFER, until=AT, rules=["CN-TIME-1"], reasons=["night"])
    assert gated(delivery, other, AT).event_id != deferred.event_id
    blocked = gated(delivery, Decision(outcome=Outcome.BLOCK, reasons=["opt-out"]), AT)
    assert (blocked.kind, blocked.deferred_until) == ("send_blocked", None)


class TestUncertainAndNotSent:
    def test_both_carry_the_sends_code_for_the_verification_page(self) -> None:
        send = Send.of(contact_request(), "sms", b"secret")
        at = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
        maybe, gone = uncertain(send, at, "no answer"), not_sent(send, at, "not at the provider")
        assert (maybe.kind, gone.kind) == ("send_uncertain", "send_not_sent")
        assert maybe.verification_code == gone.verification_code == send.code
        assert maybe.event_id != gone.event_id
        assert uncertain(send, at, "again").event_id == maybe.event_id  # a replay repeats it
