"""The notifier's ports: channels out, the directory, the send ledger and the gate's store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from datetime import datetime
from typing import Protocol

from services.notifier.domain.batch import Claim, Claimed, Lookup, Settlement, Supersede
from services.notifier.domain.call_effects import CallEffects
from services.notifier.domain.calls import CallRecord, CallReport, CallTicket
from services.notifier.domain.email_inbound import ArrivedMail, KeptMail
from services.notifier.domain.inbound import CallbackRequest, EarlyReceipt, Inbound
from services.notifier.domain.model import (
    Attempting,
    Deferral,
    DirectoryEntry,
    DirectoryUpdate,
    GateFacts,
    GateTicket,
    LedgerEntry,
    SendStatus,
    SentMessage,
    no_record,
)
from services.notifier.domain.policy.scenario import Contact, Decision, GateChannel, HoldStore
from services.notifier.domain.review import KeptSend
from services.notifier.domain.templates import Rendered
from services.notifier.domain.uncertain import UncertainSend, UncertainSummary
from shared.events import Channel, ContactDetailsChanged


class ChannelClient(Protocol):
    """One outbound channel."""

    async def send(
        self,
        address: str,
        message: Rendered,
        *,
        key: str,
        message_id: str,
        attempting: Attempting = no_record,
    ) -> tuple[str, str]:
        """Hand the message over; return (provider, provider message id).

        ``attempting(provider)`` is awaited before a provider is first called, so the ledger
        knows whom to ask if the process dies before the answer is recorded.
        """

    async def reconcile(self, provider: str, address: str, *, key: str) -> str | None:
        """Whether ``provider`` has the message: its id, or None if it certainly has not.

        Raises :class:`DeliveryUncertain` when the provider offers no way to ask.
        """


class ContactDirectory(Protocol):
    async def upsert(self, contact: DirectoryEntry, *, as_of: datetime) -> None: ...

    async def upsert_many(self, updates: Sequence[DirectoryUpdate]) -> None:
        """Keep a batch in one transaction as if upserted one by one (an older update never
        overwrites a newer, the batch's own included), and make its debtors' held sends due."""

    async def get(self, debtor_id: str) -> DirectoryEntry | None: ...


class SendLedger(Protocol):
    """One row per (request, channel), written before any provider is called."""

    async def entry(self, key: str) -> LedgerEntry | None: ...

    async def settle(
        self,
        key: str,
        status: SendStatus,
        provider_message_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        """Record what became of a claimed send; a SENT send's reservation becomes a contact."""

    # Drop a PENDING claim and its reservation (the provider certainly did not act on it);
    # note, before calling it, which provider a PENDING send is being handed to.
    async def release(self, key: str) -> None: ...
    async def mark_attempt(self, key: str, provider: str) -> None: ...

    # Uncertain sends kept for the reconciler until settled; due ones are leased a while.
    async def keep_uncertain(self, send: UncertainSend) -> None: ...
    async def due_uncertain(self, now: datetime, limit: int) -> list[UncertainSend]: ...
    async def recheck_uncertain(self, key: str, *, checks: int, at: datetime) -> None: ...
    async def forget_uncertain(self, key: str) -> None: ...
    async def uncertain_summary(self) -> UncertainSummary: ...


class SendBatches(SendLedger, Protocol):
    """The ledger and the gate taking a consumed batch of sends in few transactions."""

    async def lookup(self, keys: Collection[str], debtor_ids: Collection[str]) -> Lookup:
        """Ledger rows of ``keys``; directory entries and bounced points of ``debtor_ids``."""

    async def claim(self, supersedes: Sequence[Supersede], claims: Sequence[Claim]) -> Claimed:
        """One transaction, the debtors' gate locks taken in a fixed order: each supersede
        applied as ``withdraw`` and ``withdraw_kept`` would, then each claim judged in order
        and acted on as ``decide`` would, the batch's earlier reservations counted."""

    # mark_attempt for each (key, provider); settle for each: each list in one transaction.
    async def mark_attempts(self, attempts: Sequence[tuple[str, str]]) -> None: ...
    async def settle_many(self, settlements: Sequence[Settlement]) -> None: ...


class GateStore(HoldStore, Protocol):
    async def decide(self, ticket: GateTicket, judge: Callable[[GateFacts], Decision]) -> Decision:
        """Atomically per debtor: read the facts, judge, and act on the decision.

        ALLOW reserves the contact against every cap and claims the ledger row; DEFER keeps the
        request until the decision's time; BLOCK and ESCALATE settle the ledger row. Raises
        :class:`AlreadyDecided` when the ledger already holds the key.
        """

    async def record_contact(self, debtor_id: str, contact: Contact, *, key: str) -> bool:
        """A contact made by another sender or channel (dialler, agency); idempotent by key."""

    async def record_opt_out(self, debtor_id: str, channel: GateChannel, at: datetime) -> None: ...

    async def due_deferrals(self, now: datetime, limit: int) -> list[Deferral]: ...

    async def deferred_count(self) -> int:
        """How many sends are waiting for a permitted time."""

    async def finish_deferral(self, deferral: Deferral) -> None:
        """Forget a deferral that was acted on (unless it was deferred again meanwhile)."""

    async def hold(self, ticket: GateTicket, *, until: datetime, reason: str) -> Deferral:
        """Keep a send that cannot be decided yet (``reason``: what it waits for) until
        ``until`` at the latest; a send already held keeps its first ``held_since``. Raises
        :class:`AlreadyDecided` when the ledger already has it (withdrawn meanwhile)."""

    async def release_holds(self, debtor_id: str) -> int:
        """Make every held send of the debtor due now (what it waited for has arrived), parked
        ones too: details that arrive after the longest hold still deliver what is still true."""

    async def release_holds_of(self, debtor_ids: Collection[str]) -> int:
        """:meth:`release_holds` for every debtor given, in one transaction."""

    async def withdraw(
        self,
        debtor_id: str,
        loan_id: str,
        *,
        episode: int | None = None,
        purpose: str | None = None,
        keep: str | None = None,
        at: datetime | None = None,
    ) -> list[Deferral]:
        """Atomically per debtor: every waiting send of the loan (of ``episode`` or earlier,
        of ``purpose``, other than request ``keep``, when given) is withdrawn: forgotten as a
        deferral and settled WITHDRAWN in the ledger (at ``at``), so no redelivery sends it.
        A send the ledger already holds (being sent right now) is not. Returns the withdrawn."""

    async def withdraw_send(self, ticket: GateTicket) -> bool:
        """Settle one send WITHDRAWN before any decision; False if the ledger already has it."""

    async def redrive(self, debtor_id: str | None = None) -> int:
        """Make parked sends (of one debtor, or all) due now, held afresh: each goes through
        the gate again when the dispatcher takes it. Returns how many."""


class CallbackStore(Protocol):
    # The send a provider's id (or our out-id) names; of several ids, each a send carries to
    # that send (one look-up for a list of receipts); a debtor's sends no provider id names.
    async def find_send(self, provider_message_ids: list[str]) -> SentMessage | None: ...
    async def find_sends(self, ids: Collection[str]) -> dict[str, SentMessage]: ...
    async def unnamed_sends(self, debtor_id: str, channel: Channel) -> list[SentMessage]: ...
    # The debtor a contact point (by contact_point_id) belongs to; the loan of the most recent
    # send to the debtor (what a reply most likely answers).
    async def find_debtor(self, point_id: str) -> str | None: ...
    async def latest_loan(self, debtor_id: str) -> str | None: ...
    # Remember a callback (False when seen before: a replay, a retry); many in one commit.
    async def first_time(self, callback_key: str, at: datetime) -> bool: ...
    async def first_times(self, seen: Sequence[tuple[str, datetime]]) -> list[bool]: ...
    # Receipts that overtook their sends kept (in one commit; one kept already stays); those
    # a send in the ledger carries an id of, oldest first; taken: seen, no longer kept; how
    # many, the oldest's time; those kept before a time no send names (oldest first).
    async def keep_early(self, receipts: Sequence[EarlyReceipt]) -> None: ...
    async def early_matched(self, limit: int) -> list[tuple[EarlyReceipt, SentMessage]]: ...
    async def forget_early(self, callback_keys: Sequence[str], at: datetime) -> None: ...
    async def early_count(self) -> int: ...
    async def early_oldest(self) -> datetime | None: ...
    async def early_expired(self, before: datetime, limit: int) -> list[EarlyReceipt]: ...
    # Email points that bounced for good (a DSN, 5.x.x); mail kept for a person. Once each.
    async def mark_undeliverable(self, debtor_id: str, point_id: str, at: datetime) -> bool: ...
    async def undeliverable(self, debtor_id: str) -> frozenset[str]: ...
    async def keep_mail(self, mail: KeptMail) -> bool: ...


class CallStore(Protocol):
    """The pre-call gate's calls: asked, reserved, released, reported; each once."""

    async def decide_call(
        self, ticket: CallTicket, judge: Callable[[GateFacts], Decision]
    ) -> tuple[CallRecord, bool]:
        """Atomically per debtor: the call asked before under the ticket's id as it was decided
        (and False), or, after releasing the debtor's expired reservations, the facts judged
        and the decision kept (and True); ALLOW reserves the ticket's contacts until expiry."""

    async def call(self, call_id: str) -> CallRecord | None: ...

    async def report_call(
        self, call_id: str, report: CallReport, effects: CallEffects
    ) -> tuple[CallRecord, bool]:
        """Atomically per debtor: the call's outcome, once: its reservations replaced by what it
        counts, a wrong number marked unusable, a voice opt-out kept. A call reported before
        comes back as it was (and False). Raises KeyError for an unknown call."""

    async def release_expired_calls(self, now: datetime) -> int:
        """Release every reservation unused by its expiry; how many."""


class ReviewSends(Protocol):
    """Sends that ask a person, kept until the desk's decision on them."""

    async def keep_send(self, send: KeptSend) -> None:
        """Keep a send's request (once: a send kept already stays as it was)."""

    async def kept_send(self, key: str) -> KeptSend | None: ...

    async def withdraw_kept(
        self,
        debtor_id: str,
        loan_id: str,
        *,
        reason: str,
        episode: int | None = None,
        purpose: str | None = None,
        keep: str | None = None,
    ) -> int:
        """Mark the loan's kept sends (of ``episode`` or earlier, of ``purpose``, other than
        request ``keep``, when given) withdrawn with ``reason``: a decision no longer sends
        them. How many."""


class NotifierStore(
    ContactDirectory, SendBatches, GateStore, CallbackStore, CallStore, ReviewSends, Protocol
):
    """Everything the notifier keeps, as one database provides it."""


class CallbackPlug(Protocol):
    """One provider's callbacks: the routes it answers, and what a request to one says."""

    @property
    def routes(self) -> Sequence[tuple[str, str]]:
        """(method, path after ``/v1/callbacks/<provider>``) of every callback it answers."""

    def read(self, request: CallbackRequest) -> Inbound:
        """Authenticate and parse; raises ``CallbackRefused`` (domain.inbound)."""


class SendObserver(Protocol):
    """What the notifier's sends are counted by (Prometheus in production)."""

    def counted(self, channel: Channel, outcome: str) -> None:
        """One send handled, by what became of it (sent, blocked, held, ...)."""

    def decided(self, channel: Channel, decision: Decision) -> None:
        """The gate decided a send."""

    def rules_hit(self, rules: Sequence[str]) -> None:
        """Policy rules that stopped or put off a send."""

    def provider_time(self, channel: Channel) -> AbstractContextManager[object]:
        """Times the channel's handing over of one message (retries and failover included)."""

    def backlog(self, waiting: int) -> None: ...  # how many sends wait for a permitted time
    def uncertain(self, count: int, oldest_age_s: float) -> None: ...  # count, oldest age (s)


class MailServer(Protocol):
    """The reply address's SMTP listener: while ``serving``, recipients ``accepts`` refuses
    are refused at RCPT, and each message goes to ``take``, whose answer is DATA's reply."""

    def serving(
        self, accepts: Callable[[str], bool], take: Callable[[ArrivedMail], Awaitable[str]]
    ) -> AbstractAsyncContextManager[None]: ...


class DkimCheck(Protocol):
    async def verify(self, raw: bytes) -> bool: ...  # a DKIM signature (RFC 6376) that holds


class DirectoryFeed(Protocol):
    """Where contact details come from, read to the end before requests are taken."""

    async def catch_up(
        self, apply: Callable[[Sequence[ContactDetailsChanged]], Awaitable[None]]
    ) -> int:
        """Apply every contact-details record the consumer group has not committed yet, a
        batch at a time; how many (-1 when it gave up: held sends cover what is still
        missing)."""
