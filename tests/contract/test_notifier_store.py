"""One contract for the notifier's store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.adapters.sql.store import SqlNotifierStore
from services.notifier.domain.model import (
    HOLD_CONTACT_POINT,
    HOLD_EXPIRED,
    PARKED,
    AlreadyDecided,
    DirectoryEntry,
    DirectoryUpdate,
    GateFacts,
    GateTicket,
    SendStatus,
)
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Consent, Contact, Decision, Outcome, Scenario
from services.notifier.domain.sends import contact_point_id
from services.notifier.ports import NotifierStore
from shared.database import create_engine

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # noon in Shanghai, a Wednesday
ALLOW = Decision(outcome=Outcome.ALLOW)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[NotifierStore]:
    if request.param == "memory":
        yield InMemoryNotifierStore()
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/notifier.db"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    sql = SqlNotifierStore(engine)
    await sql.migrate()
    await sql.migrate()  # migrating twice is harmless
    yield sql
    await engine.dispose()


def ticket(key: str, debtor: str = "d1", at: datetime = NOW, channel: str = "sms") -> GateTicket:
    return GateTicket(key, debtor, "loan-1", channel, "cp-1", at, b'{"request": 1}')  # type: ignore[arg-type]


def sms_cap(facts: GateFacts) -> Decision:
    """The real China pack deciding an SMS at NOW for debtor d1 with the stored facts."""
    scenario = Scenario(
        now=NOW,
        channel="sms",
        debtor={"timezones": ["Asia/Shanghai"]},
        recipient={"role": "debtor", "provenance": "contract"},
        history=facts.history,
        opt_outs=facts.opt_outs,
        debt_id="loan-1",
    )
    return evaluate([load_pack("cn")], scenario)


def recorder(seen: list[GateFacts]) -> Callable[[GateFacts], Decision]:
    """A judge that allows and keeps the facts it was shown."""

    def judge(facts: GateFacts) -> Decision:
        seen.append(facts)
        return ALLOW

    return judge


class TestLedger:
    async def test_allow_claims_the_send_and_a_second_decision_is_refused(
        self, store: NotifierStore
    ) -> None:
        assert (await store.decide(ticket("r1|sms"), lambda _: ALLOW)).outcome is Outcome.ALLOW
        entry = await store.entry("r1|sms")
        assert entry is not None
        assert entry.status is SendStatus.PENDING
        with pytest.raises(AlreadyDecided):
            await store.decide(ticket("r1|sms"), lambda _: ALLOW)

    async def test_concurrent_decisions_on_one_key_give_exactly_one_claim(
        self, store: NotifierStore
    ) -> None:
        async def attempt() -> bool:
            try:
                await store.decide(ticket("r2|sms"), lambda _: ALLOW)
            except AlreadyDecided:
                return False
            return True

        results = await asyncio.gather(*(attempt() for _ in range(8)))
        assert sum(results) == 1

    async def test_settle_records_the_provider_and_sent_contacts_count(
        self, store: NotifierStore
    ) -> None:
        await store.decide(ticket("r3|sms"), lambda _: ALLOW)
        await store.settle("r3|sms", SendStatus.SENT, "biz-123", "aliyun")
        entry = await store.entry("r3|sms")
        assert entry is not None
        assert (entry.status, entry.provider_message_id, entry.provider) == (
            SendStatus.SENT,
            "biz-123",
            "aliyun",
        )
        seen: list[GateFacts] = []
        await store.decide(ticket("r4|sms"), recorder(seen))
        assert [c.kind for c in seen[0].history] == ["message_sent"]

    async def test_release_forgets_the_claim_and_its_reservation(
        self, store: NotifierStore
    ) -> None:
        await store.decide(ticket("r5|sms"), lambda _: ALLOW)
        await store.release("r5|sms")
        assert await store.entry("r5|sms") is None
        seen: list[GateFacts] = []
        await store.decide(ticket("r5|sms"), recorder(seen))
        assert seen[0].history == []

    async def test_a_refused_send_does_not_count(self, store: NotifierStore) -> None:
        await store.decide(ticket("r6|sms"), lambda _: ALLOW)
        await store.settle("r6|sms", SendStatus.FAILED)
        seen: list[GateFacts] = []
        await store.decide(ticket("r7|sms"), recorder(seen))
        assert seen[0].history == []

    async def test_the_provider_being_called_is_noted_on_a_pending_send(
        self, store: NotifierStore
    ) -> None:
        await store.decide(ticket("r14|sms"), lambda _: ALLOW)
        await store.mark_attempt("r14|sms", "aliyun")
        entry = await store.entry("r14|sms")
        assert entry is not None
        assert (entry.status, entry.provider) == (SendStatus.PENDING, "aliyun")

    async def test_callbacks_find_the_send_the_debtor_and_are_taken_once(
        self, store: NotifierStore
    ) -> None:
        await store.upsert(DirectoryEntry("d3", mobile="+8613800000003"), as_of=NOW)
        await store.decide(ticket("r15|sms", debtor="d3"), lambda _: ALLOW)
        await store.settle("r15|sms", SendStatus.SENT, "biz-15", "aliyun")
        sent = await store.find_send(["nothing", "biz-15"])
        assert sent is not None
        assert (sent.key, sent.debtor_id, sent.loan_id, sent.channel) == (
            "r15|sms",
            "d3",
            "loan-1",
            "sms",
        )
        assert await store.find_send(["nothing"]) is None

        assert await store.find_debtor(contact_point_id("sms", "+8613800000003")) == "d3"
        assert await store.latest_loan("d3") == "loan-1"
        assert await store.first_time("aliyun:receipt:biz-15", NOW)
        assert not await store.first_time("aliyun:receipt:biz-15", NOW)

    async def test_unnamed_sends_are_the_uncertain_and_the_ones_known_by_our_key(
        self, store: NotifierStore
    ) -> None:
        early, late = NOW - timedelta(days=2), NOW - timedelta(minutes=5)
        cases = {
            "u-old|wechat": (early, SendStatus.UNCERTAIN, None),
            "u-new|wechat": (late, SendStatus.UNCERTAIN, None),
            "s-key|wechat": (NOW, SendStatus.SENT, "s-key|wechat"),
            "s-id|wechat": (NOW, SendStatus.SENT, "2000001"),
            "f|wechat": (NOW, SendStatus.FAILED, None),
        }
        for key, (at, status, provider_id) in cases.items():
            await store.decide(ticket(key, debtor="d9", at=at, channel="wechat"), lambda _: ALLOW)
            await store.settle(key, status, provider_id, "wechat")
        await store.decide(ticket("u-sms|sms", debtor="d9", at=late), lambda _: ALLOW)
        await store.settle("u-sms|sms", SendStatus.UNCERTAIN)
        at = NOW + timedelta(seconds=1)
        await store.decide(
            ticket("p|wechat", debtor="d9", at=at, channel="wechat"), lambda _: ALLOW
        )
        found = await store.unnamed_sends("d9", "wechat")
        assert [(s.key, s.status, s.claimed_at) for s in found][:2] == [
            ("u-old|wechat", SendStatus.UNCERTAIN, early),
            ("u-new|wechat", SendStatus.UNCERTAIN, late),
        ]
        assert [(s.key, s.status) for s in found[1:]] == [
            ("u-new|wechat", SendStatus.UNCERTAIN),
            ("s-key|wechat", SendStatus.SENT),
            ("p|wechat", SendStatus.PENDING),
        ]
        assert found[0].loan_id == "loan-1"
        assert await store.unnamed_sends("d0", "wechat") == []

    async def test_block_and_escalate_settle_the_ledger(self, store: NotifierStore) -> None:
        await store.decide(ticket("r8|sms"), lambda _: Decision(outcome=Outcome.BLOCK))
        await store.decide(ticket("r9|sms"), lambda _: Decision(outcome=Outcome.ESCALATE))
        blocked, escalated = await store.entry("r8|sms"), await store.entry("r9|sms")
        assert blocked is not None
        assert escalated is not None
        assert (blocked.status, escalated.status) == (SendStatus.BLOCKED, SendStatus.ESCALATED)


class TestReservations:
    async def test_racing_workers_cannot_both_take_the_last_slot(
        self, store: NotifierStore
    ) -> None:
        # One SMS already sent today: one slot of the two per 24 hours is left.
        await store.decide(ticket("first|sms"), sms_cap)
        await store.settle("first|sms", SendStatus.SENT, "m1", "aliyun")
        decisions = await asyncio.gather(
            *(store.decide(ticket(f"racer-{i}|sms"), sms_cap) for i in range(6))
        )
        outcomes = sorted(d.outcome.value for d in decisions)
        assert outcomes == ["ALLOW"] + ["DEFER"] * 5

    async def test_contacts_by_other_senders_count_once_each(self, store: NotifierStore) -> None:
        contact = Contact(
            at=NOW - timedelta(hours=1),
            channel="sms",
            kind="message_sent",
            sender="agency-3",
            debt_id="loan-9",
        )
        assert await store.record_contact("d1", contact, key="agency-3:77")
        assert not await store.record_contact("d1", contact, key="agency-3:77")
        seen: list[GateFacts] = []
        await store.decide(ticket("r10|sms"), recorder(seen))
        assert [(c.sender, c.debt_id) for c in seen[0].history] == [("agency-3", "loan-9")]

    async def test_opt_outs_are_read_by_the_gate(self, store: NotifierStore) -> None:
        await store.record_opt_out("d1", "sms", NOW)
        await store.record_opt_out("d1", "sms", NOW)
        decision = await store.decide(ticket("r11|sms"), sms_cap)
        assert decision.outcome is Outcome.BLOCK
        assert decision.rules == ["CN-OPTOUT"]


class TestDeferrals:
    async def test_a_deferral_is_kept_until_due_and_leased_once(self, store: NotifierStore) -> None:
        until = NOW + timedelta(hours=2)
        defer = Decision(outcome=Outcome.DEFER, until=until)
        await store.decide(ticket("r12|sms"), lambda _: defer)
        assert await store.entry("r12|sms") is None
        assert await store.due_deferrals(NOW, 10) == []
        assert await store.deferred_count() == 1
        [due] = await store.due_deferrals(until, 10)
        assert (due.key, due.channel, due.request) == ("r12|sms", "sms", b'{"request": 1}')
        assert await store.due_deferrals(until, 10) == []  # leased to the first taker
        await store.finish_deferral(due)
        assert await store.due_deferrals(until + timedelta(minutes=5), 10) == []
        assert await store.deferred_count() == 0

    async def test_a_deferral_deferred_again_is_not_forgotten(self, store: NotifierStore) -> None:
        first = Decision(outcome=Outcome.DEFER, until=NOW + timedelta(hours=1))
        await store.decide(ticket("r13|sms"), lambda _: first)
        [due] = await store.due_deferrals(NOW + timedelta(hours=1), 10)
        later = Decision(outcome=Outcome.DEFER, until=NOW + timedelta(hours=20))
        await store.decide(ticket("r13|sms"), lambda _: later)
        await store.finish_deferral(due)
        [again] = await store.due_deferrals(NOW + timedelta(hours=20), 10)
        assert again.due_at == NOW + timedelta(hours=20)


class TestPendingSends:
    """Holds, withdrawals and supersession: what waits never goes out once it is stale."""

    def _ticket(self, key: str, *, loan: str = "loan-1", episode: int = 1) -> GateTicket:
        return replace(ticket(key), debt_id=loan, episode=episode, purpose="overdue_notice")

    async def _defer(self, store: NotifierStore, t: GateTicket) -> None:
        defer = Decision(outcome=Outcome.DEFER, until=NOW + timedelta(hours=2))
        await store.decide(t, lambda _: defer)

    async def test_a_hold_waits_keeps_its_start_and_is_released_by_the_details(
        self, store: NotifierStore
    ) -> None:
        t = self._ticket("h1|sms")
        held = await store.hold(t, until=NOW + timedelta(hours=1), reason=HOLD_CONTACT_POINT)
        assert (held.hold, held.held_since) == (HOLD_CONTACT_POINT, NOW)
        later = replace(t, at=NOW + timedelta(hours=1))
        again = await store.hold(later, until=NOW + timedelta(hours=2), reason=HOLD_CONTACT_POINT)
        assert again.held_since == NOW  # the first hold's start is kept
        assert await store.due_deferrals(NOW, 10) == []
        assert await store.release_holds("d2") == 0
        assert await store.release_holds("d1") == 1
        [due] = await store.due_deferrals(NOW, 10)
        assert due.key == "h1|sms"
        assert due.hold == HOLD_CONTACT_POINT

    async def test_a_withdrawal_settles_the_loans_waiting_sends_and_only_those(
        self, store: NotifierStore
    ) -> None:
        await self._defer(store, self._ticket("w1|sms"))
        await self._defer(store, self._ticket("w2|sms", episode=2))
        await self._defer(store, self._ticket("w3|sms", loan="loan-2"))
        await store.hold(self._ticket("w4|sms"), until=NOW, reason=HOLD_CONTACT_POINT)
        gone = await store.withdraw("d1", "loan-1", episode=1)
        assert sorted(d.key for d in gone) == ["w1|sms", "w4|sms"]
        assert await store.deferred_count() == 2
        for key in ("w1|sms", "w4|sms"):
            entry = await store.entry(key)
            assert entry is not None
            assert entry.status is SendStatus.WITHDRAWN
        with pytest.raises(AlreadyDecided):  # a redelivery can neither defer nor claim it
            await store.decide(self._ticket("w1|sms"), lambda _: ALLOW)
        assert await store.withdraw("d1", "loan-1", episode=1) == []

    async def test_a_send_being_sent_now_is_not_withdrawn(self, store: NotifierStore) -> None:
        t = self._ticket("busy|sms")
        await self._defer(store, t)
        [due] = await store.due_deferrals(NOW + timedelta(hours=2), 10)
        await store.decide(t, lambda _: ALLOW)  # the dispatcher claimed it: PENDING
        assert await store.withdraw("d1", "loan-1", episode=1) == []
        entry = await store.entry("busy|sms")
        assert entry is not None
        assert entry.status is SendStatus.PENDING
        assert await store.deferred_count() == 1  # kept for crash recovery
        assert not await store.withdraw_send(t)
        with pytest.raises(AlreadyDecided):  # nor held again
            await store.hold(t, until=NOW, reason=HOLD_CONTACT_POINT)
        await store.finish_deferral(due)

    async def test_a_withdrawn_send_is_not_held_again(self, store: NotifierStore) -> None:
        t = self._ticket("gone|sms")
        await store.hold(t, until=NOW, reason=HOLD_CONTACT_POINT)
        assert [d.key for d in await store.withdraw("d1", "loan-1")] == ["gone|sms"]
        with pytest.raises(AlreadyDecided):
            await store.hold(t, until=NOW, reason=HOLD_CONTACT_POINT)
        assert await store.deferred_count() == 0

    async def test_a_later_request_supersedes_but_keeps_its_own(self, store: NotifierStore) -> None:
        await self._defer(store, self._ticket("old|sms"))
        await self._defer(store, self._ticket("new|sms"))
        gone = await store.withdraw("d1", "loan-1", purpose="overdue_notice", keep="new")
        assert [d.key for d in gone] == ["old|sms"]
        assert await store.withdraw("d1", "loan-1", purpose="visit_notice") == []

    async def test_a_parked_send_is_redriven_once(self, store: NotifierStore) -> None:
        t = self._ticket("p1|sms")
        await store.hold(t, until=PARKED, reason=HOLD_EXPIRED)
        assert await store.due_deferrals(NOW + timedelta(days=365), 10) == []
        assert await store.redrive("someone-else") == 0
        assert await store.redrive() == 1
        [due] = await store.due_deferrals(NOW, 10)
        assert due.hold == HOLD_CONTACT_POINT
        assert due.held_since is None  # the next hold starts afresh
        assert await store.redrive() == 0

    async def test_withdrawing_one_send_settles_it_once(self, store: NotifierStore) -> None:
        await self._defer(store, self._ticket("s1|sms"))
        assert await store.withdraw_send(self._ticket("s1|sms"))
        assert not await store.withdraw_send(self._ticket("s1|sms"))
        assert await store.deferred_count() == 0


class TestDirectory:
    async def test_an_older_entry_never_overwrites_a_newer_one(self, store: NotifierStore) -> None:
        consent = Consent(channel="sms", until=NOW + timedelta(days=3), evidence="rec-9")
        newer = DirectoryEntry(
            "d2",
            email="new@borrower.example",
            timezones=("Asia/Shanghai", "Asia/Urumqi"),
            consents=(consent,),
            role="guarantor",
            provenance="borrower_provided",
        )
        older = DirectoryEntry("d2", email="old@borrower.example")
        await store.upsert(newer, as_of=NOW)
        await store.upsert(older, as_of=NOW - timedelta(days=1))
        assert await store.get("d2") == newer
        assert await store.get("nobody") is None


class TestDirectoryBatch:
    """A batch upserted in one go leaves what upserting its entries one by one would."""

    async def test_each_debtor_keeps_its_newest_entry_the_batchs_own_included(
        self, store: NotifierStore
    ) -> None:
        await store.upsert(DirectoryEntry("d1", email="kept@borrower.example"), as_of=NOW)
        hour = timedelta(hours=1)
        batch = [
            DirectoryUpdate(DirectoryEntry("d1", email="stale@borrower.example"), NOW - hour),
            DirectoryUpdate(DirectoryEntry("d2", email="first@borrower.example"), NOW),
            DirectoryUpdate(DirectoryEntry("d2", email="newest@borrower.example"), NOW + hour),
            DirectoryUpdate(DirectoryEntry("d2", email="between@borrower.example"), NOW),
            DirectoryUpdate(DirectoryEntry("d3", email="same-1@borrower.example"), NOW),
            DirectoryUpdate(DirectoryEntry("d3", email="same-2@borrower.example"), NOW),
        ]
        await store.upsert_many(batch)
        emails = {d: (e.email if (e := await store.get(d)) else None) for d in ("d1", "d2", "d3")}
        assert emails == {
            "d1": "kept@borrower.example",
            "d2": "newest@borrower.example",
            "d3": "same-1@borrower.example",  # of equals, the first stays
        }
        await store.upsert_many([])  # nothing to do
        assert (await store.get("d2")) == batch[2].entry

    async def test_contact_points_lead_to_the_winning_entries_only(
        self, store: NotifierStore
    ) -> None:
        await store.upsert(DirectoryEntry("d1", mobile="+8613800000001"), as_of=NOW)
        moved, lost = "+8613800000009", "+8613800000008"
        await store.upsert_many(
            [
                DirectoryUpdate(DirectoryEntry("d1", mobile=lost), NOW - timedelta(days=1)),
                DirectoryUpdate(DirectoryEntry("d4", mobile=moved), NOW),
                DirectoryUpdate(DirectoryEntry("d5", mobile=moved), NOW),  # the number moved on
            ]
        )
        assert await store.find_debtor(contact_point_id("sms", moved)) == "d5"
        assert await store.find_debtor(contact_point_id("sms", lost)) is None
        assert await store.find_debtor(contact_point_id("sms", "+8613800000001")) == "d1"

    async def test_a_batch_larger_than_one_query_is_kept_whole(self, store: NotifierStore) -> None:
        batch = [
            DirectoryUpdate(DirectoryEntry(f"b{n}", mobile=f"+86138{n:08d}"), NOW)
            for n in range(1234)
        ]
        await store.upsert_many(batch)
        assert await store.get("b1233") == batch[-1].entry
        assert await store.find_debtor(contact_point_id("sms", "+8613800000617")) == "b617"

    async def test_a_batch_releases_its_debtors_holds_with_their_details(
        self, store: NotifierStore
    ) -> None:
        for debtor in ("d1", "d2", "d3"):
            t = ticket(f"{debtor}|sms", debtor)
            await store.hold(t, until=NOW + timedelta(hours=1), reason=HOLD_CONTACT_POINT)
        await store.upsert(DirectoryEntry("d2", mobile="+8613800000002"), as_of=NOW)
        details = [
            DirectoryUpdate(DirectoryEntry("d1", mobile="+8613800000001"), NOW),
            DirectoryUpdate(DirectoryEntry("d2", mobile="+8613800000009"), NOW - timedelta(1)),
        ]
        assert await store.due_deferrals(NOW, 10) == []
        await store.upsert_many(details)
        due = await store.due_deferrals(NOW, 10)
        # d2's update lost to its newer details, yet the details it waited for are there.
        assert sorted(d.key for d in due) == ["d1|sms", "d2|sms"]
        assert await store.find_debtor(contact_point_id("sms", "+8613800000001")) == "d1"

    async def test_holds_are_released_for_every_debtor_given(self, store: NotifierStore) -> None:
        for debtor in ("d1", "d2", "d3"):
            t = ticket(f"{debtor}|sms", debtor)
            await store.hold(t, until=NOW + timedelta(hours=1), reason=HOLD_CONTACT_POINT)
        assert await store.release_holds_of(set()) == 0
        assert await store.release_holds_of({"d1", "d2", "nobody"}) == 2
        due = await store.due_deferrals(NOW, 10)
        assert sorted(d.key for d in due) == ["d1|sms", "d2|sms"]
