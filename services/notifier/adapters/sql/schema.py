"""The notifier's tables (created by the Alembic migrations in ``services/notifier/migrations``)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

send_ledger = Table(
    "notifier_send_ledger",
    metadata,
    Column("send_key", String(300), primary_key=True),  # request id | channel
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("loan_id", String(128)),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("provider", String(32)),
    Column("provider_message_id", String(256), index=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True)),
)

directory = Table(
    "notifier_directory",
    metadata,
    Column("debtor_id", String(128), primary_key=True),
    Column("entry", Text, nullable=False),  # JSON of the directory entry
    Column("as_of", DateTime(timezone=True), nullable=False),
)

#: Every contact with a debtor, by any sender and channel: what the caps count.
contact_log = Table(
    "notifier_contact_log",
    metadata,
    Column("contact_key", String(300), primary_key=True),
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("debt_id", String(128), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("sender", String(64), nullable=False),
    Column("contact_point", String(64)),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("reserved", Boolean, nullable=False),  # True until the provider accepted it
)

opt_outs = Table(
    "notifier_opt_outs",
    metadata,
    Column("debtor_id", String(128), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

deferrals = Table(
    "notifier_deferrals",
    metadata,
    Column("send_key", String(300), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False, index=True),
    Column("request", LargeBinary, nullable=False),
    Column("lease_until", DateTime(timezone=True)),
    # What a withdrawal selects by (rows from before revision 0003 have none: they are
    # re-checked against the request itself when they fall due).
    Column("debtor_id", String(128), index=True),
    Column("loan_id", String(128)),
    Column("episode", Integer),
    Column("purpose", String(32)),
    # Set while the send waits for what it needs (a contact point), not for a permitted time.
    Column("hold", String(32)),
    Column("held_since", DateTime(timezone=True)),
)

#: One row per debtor, written first in every gate transaction: it serialises the debtor's
#: reservations (a row lock in PostgreSQL, the write lock in SQLite).
gate_locks = Table(
    "notifier_gate_locks",
    metadata,
    Column("debtor_id", String(128), primary_key=True),
    Column("version", Integer, nullable=False),
)

#: Where each contact point leads (by its hash, never the address), for inbound replies.
directory_points = Table(
    "notifier_directory_points",
    metadata,
    Column("point_id", String(64), primary_key=True),
    Column("debtor_id", String(128), nullable=False),
)

#: Provider callbacks already taken, so a replayed or repeated callback changes nothing.
callbacks_seen = Table(
    "notifier_callbacks_seen",
    metadata,
    Column("callback_key", String(300), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

#: Receipts that overtook their sends (the ledger learns the provider's id from its answer to
#: the send), kept until a settled send carries one of their ids.
early_receipts = Table(
    "notifier_early_receipts",
    metadata,
    Column("callback_key", String(300), primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("first_id", String(256), nullable=False, index=True),
    Column("second_id", String(256), index=True),
    Column("status", Text, nullable=False),
    Column("dedupe", Text, nullable=False),
    Column("failed", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)

#: Calls asked for at the pre-call gate (one per caller's idempotency key): the decision, the
#: reservation's expiry while it is unused, and the outcome once it is reported.
calls = Table(
    "notifier_calls",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("ask", Text, nullable=False),  # JSON of the ask
    Column("ask_sha256", String(64), nullable=False),
    Column("point_id", String(64), nullable=False),
    Column("asked_at", DateTime(timezone=True), nullable=False),
    Column("decision", Text, nullable=False),  # JSON of the gate's decision
    Column("state", String(16), nullable=False),
    Column("expires_at", DateTime(timezone=True), index=True),
    Column("report", Text),  # JSON of the outcome
    Column("report_sha256", String(64)),
)

#: Disputes and complaints on a debtor's debts (revision 0007): open until released, when the
#: scheduler says the desk resolved them. A release read first keeps a later open from holding.
debt_holds = Table(
    "notifier_debt_holds",
    metadata,
    Column("dispute_id", String(128), primary_key=True),
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("debt_id", String(128), nullable=False),
    Column("category", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True)),
)

#: Contact points found not to reach their debtor (a wrong number): never used again.
unusable_points = Table(
    "notifier_unusable_points",
    metadata,
    Column("debtor_id", String(128), primary_key=True),
    Column("point_id", String(64), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

#: (revision 0005) Sends that ask a person (escalated, uncertain, blocked): their request, so a
#: decision taken later can act on it; ``withdrawn`` once the scheduler withdrew or superseded it.
review_sends = Table(
    "notifier_review_sends",
    metadata,
    Column("send_key", String(300), primary_key=True),
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("loan_id", String(128), nullable=False),
    Column("episode", Integer, nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("request", LargeBinary, nullable=False),
    Column("kept_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn", String(300)),
)

#: Email contact points a delivery status notification reported undeliverable (5.x.x).
bounced_points = Table(
    "notifier_bounced_points",
    metadata,
    Column("debtor_id", String(128), primary_key=True),
    Column("point_id", String(64), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

#: Mail at the reply address no reply path took (unknown sender, unmatched bounce, failed
#: DKIM, unreadable), kept whole for a person.
kept_mail = Table(
    "notifier_kept_mail",
    metadata,
    Column("mail_key", String(128), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("reason", String(32), nullable=False),
    Column("sender_point", String(64)),
    Column("raw", LargeBinary, nullable=False),
)

#: Sends whose provider may have the message, kept until reconciled (sent or not sent).
uncertain_sends = Table(
    "notifier_uncertain_sends",
    metadata,
    Column("send_key", String(300), primary_key=True),  # the ledger's key
    Column("debtor_id", String(128), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("provider", String(32)),
    Column("request", LargeBinary, nullable=False),  # the contact request, as received
    Column("since", DateTime(timezone=True), nullable=False, index=True),
    Column("next_check_at", DateTime(timezone=True), nullable=False, index=True),
    Column("checks", Integer, nullable=False),
)
