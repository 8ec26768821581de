"""Mail at the reply address through the same reply path as SMS: replies understood and acted
on, bounces marking an address, and whatever no path takes kept and counted, never dropped."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import REGISTRY

from services.notifier.domain.email_inbound import ArrivedMail
from services.notifier.domain.sends import contact_point_id, send_key
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.handlers.deferrals import dispatch_due
from services.notifier.handlers.directory import record_contact_details
from services.notifier.handlers.email_replies import InboundMailContext, Taken, take_mail
from services.notifier.handlers.sending import send_contact_request
from shared.events import BorrowerReplied, derived_event_id
from shared.testing.factories import contact_details, contact_request
from tests.data.email import sample
from tests.unit.notifier.handlers.support import TOPIC, Fixture

ADDRESS = "zhang.san@borrower.example"
DOMAIN = "chenghe-bank.example"


class Mailroom(Fixture):
    """The send fixture, plus the reply address's context on the same store and publisher."""

    def __init__(self, dkim: object = None) -> None:
        super().__init__()
        self.mail = InboundMailContext(
            callbacks=CallbackContext(
                store=self.store,
                publisher=self.publisher,
                interactions_topic=TOPIC,
                replies_topic="replies",
                packs=self.ctx.packs,
                clock=lambda: self.now,
            ),
            message_domain=DOMAIN,
            dkim=dkim,  # type: ignore[arg-type]
        )

    async def take(self, raw: bytes, mail_from: str = ADDRESS) -> Taken:
        return await take_mail(self.mail, ArrivedMail(mail_from, (f"replies@{DOMAIN}",), raw))

    def replies(self) -> list[BorrowerReplied]:
        return [e for e in self.publisher.events("replies") if isinstance(e, BorrowerReplied)]


def counted(outcome: str) -> float:
    value = REGISTRY.get_sample_value("notifier_inbound_mail_total", {"outcome": outcome})
    return value or 0.0


class TestReplies:
    async def test_an_emailed_tuiding_opts_the_debtor_out_of_email_once(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email=ADDRESS)
        raw = sample("reply_qq_gb18030", sender=ADDRESS, original_id="x@y")
        assert await room.take(raw) is Taken.REPLY
        assert await room.take(raw) is Taken.REPLY  # the MTA's retry: the same reply
        assert room.store.opt_outs["d1"] == {"email"}
        assert {(r.intent, r.channel) for r in room.replies()} == {("opt_out", "email")}
        assert len({r.event_id for r in room.replies()}) == 1
        assert {i.provider for i in room.interactions()} == {"smtp"}

    async def test_an_extension_request_goes_to_the_scheduler(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email="alex@borrower.example")
        raw = sample("reply_outlook_extension", sender="Alex@Borrower.example")
        assert await room.take(raw) is Taken.REPLY
        [reply] = room.replies()
        assert (reply.debtor_id, reply.intent) == ("d1", "extension_request")
        assert room.store.opt_outs["d1"] == set()

    async def test_a_promise_carries_its_terms(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email=ADDRESS)
        await room.take(sample("reply_gmail_html_only", sender=ADDRESS))
        [reply] = room.replies()
        assert reply.intent == "promise_to_pay"
        assert reply.promised_amount == 5000
        assert reply.promised_by is not None

    async def test_an_unknown_sender_is_kept_and_counted_not_dropped(self) -> None:
        room = Mailroom()
        before = counted("unknown_sender")
        raw = sample("reply_qq_gb18030", sender="stranger@elsewhere.example", original_id="x")
        assert await room.take(raw) is Taken.KEPT
        [kept] = room.store.kept.values()
        assert (kept.reason, kept.raw) == ("unknown_sender", raw)
        assert kept.sender_point == contact_point_id("email", "stranger@elsewhere.example")
        assert counted("unknown_sender") == before + 1
        assert room.replies() == []

    async def test_an_out_of_office_answer_is_kept_not_taken_as_a_reply(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email=ADDRESS)
        assert await room.take(sample("auto_reply_out_of_office", sender=ADDRESS)) is Taken.KEPT
        assert [k.reason for k in room.store.kept.values()] == ["automatic"]
        assert room.replies() == []

    async def test_unreadable_mail_is_kept(self) -> None:
        room = Mailroom()
        assert await room.take(b"\r\n\r\n") is Taken.KEPT
        assert [k.reason for k in room.store.kept.values()] == ["unreadable"]


class Dkim:
    def __init__(self, verdict: bool) -> None:
        self.verdict, self.asked = verdict, 0

    async def verify(self, raw: bytes) -> bool:
        self.asked += 1
        return self.verdict


class TestDkim:
    async def test_a_failed_check_is_refused_and_kept_when_required(self) -> None:
        room = Mailroom(dkim=Dkim(False))
        await room.debtor("d1", email=ADDRESS)
        raw = sample("reply_qq_gb18030", sender=ADDRESS, original_id="x")
        assert await room.take(raw) is Taken.REFUSED
        assert [k.reason for k in room.store.kept.values()] == ["dkim_failed"]
        assert room.store.opt_outs["d1"] == set()

    async def test_a_verified_reply_is_taken(self) -> None:
        dkim = Dkim(True)
        room = Mailroom(dkim=dkim)
        await room.debtor("d1", email=ADDRESS)
        raw = sample("reply_qq_gb18030", sender=ADDRESS, original_id="x")
        assert await room.take(raw) is Taken.REPLY
        assert dkim.asked == 1


class TestBounces:
    async def sent(self, room: Mailroom, channels: tuple[str, ...] = ("email", "sms")) -> str:
        request = contact_request(debtor_id="d1", channels=channels)
        await send_contact_request(request, room.ctx)
        return request.event_id

    def dsn(self, name: str, request_id: str, recipient: str = ADDRESS, **ids: str) -> bytes:
        key = send_key(request_id, "email")
        fields = {"original_id": str(derived_event_id(key)), "send_key": key} | ids
        return sample(name, recipient=recipient, **fields)

    async def test_a_permanent_failure_holds_the_next_email_and_not_the_sms(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email=ADDRESS)
        first = await self.sent(room)
        assert await room.take(self.dsn("dsn_failed_postfix", first), "") is Taken.REPORT
        assert await room.store.undeliverable("d1") == {contact_point_id("email", ADDRESS)}
        [bounce] = [i for i in room.interactions() if i.kind == "delivery_reported"]
        assert (bounce.request_id, bounce.channel, bounce.provider) == (first, "email", "smtp")
        assert bounce.reason is not None
        assert "5.1.1" in bounce.reason
        assert ADDRESS not in bounce.model_dump_json()

        second = await self.sent(room)
        assert [to for to, _, _ in room.email.sent] == [ADDRESS]  # not attempted again
        assert len(room.sms.sent) == 2  # the borrower still gets SMS
        [held] = [i for i in room.interactions() if i.request_id == second and i.channel == "email"]
        assert held.kind == "send_held"
        assert held.reason is not None
        assert "bounced" in held.reason

        # A new address from core banking releases the held email, to the new address.
        details = contact_details(
            "d1", mobile="+8613800000001", email="new@borrower.example", occurred_at=room.now
        )
        await record_contact_details(details, store=room.store)
        await dispatch_due(room.ctx)
        assert [to for to, _, _ in room.email.sent] == [ADDRESS, "new@borrower.example"], [
            (i.kind, i.reason) for i in room.interactions() if i.request_id == second
        ]

    async def test_a_bounce_is_found_by_our_key_alone(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email=ADDRESS)
        first = await self.sent(room, ("email",))
        key = send_key(first, "email")
        # As the SMTP mailer records it: <derived id @ the sender's domain>.
        await room.store.settle(
            key, room.store.ledger[key].status, f"<{derived_event_id(key)}@{DOMAIN}>", "smtp"
        )
        raw = self.dsn("dsn_failed_postfix", first, original_id="<rewritten-by-a-relay@x>")
        assert await room.take(raw, "") is Taken.REPORT
        assert await room.store.undeliverable("d1")

    async def test_a_delay_only_counts(self) -> None:
        room = Mailroom()
        await room.debtor("d1", email=ADDRESS)
        first = await self.sent(room, ("email",))
        before = (
            REGISTRY.get_sample_value("notifier_email_bounces_total", {"verdict": "delayed"}) or 0.0
        )
        assert await room.take(self.dsn("dsn_delayed_sendmail", first), "") is Taken.REPORT
        assert await room.take(self.dsn("dsn_delayed_sendmail", first), "") is Taken.REPORT
        after = REGISTRY.get_sample_value("notifier_email_bounces_total", {"verdict": "delayed"})
        assert after == before + 1  # a repeated DSN counts once
        assert await room.store.undeliverable("d1") == frozenset()
        assert [i.kind for i in room.interactions()] == ["message_sent"]

    async def test_a_bounce_of_no_send_of_ours_is_kept(self) -> None:
        room = Mailroom()
        raw = sample(
            "dsn_failed_postfix", recipient=ADDRESS, original_id="<other@x>", send_key="nope"
        )
        assert await room.take(raw, "") is Taken.KEPT
        assert [k.reason for k in room.store.kept.values()] == ["unmatched_report"]


def test_the_clock_is_the_fixtures() -> None:
    assert isinstance(Mailroom().mail.callbacks.clock(), datetime)
