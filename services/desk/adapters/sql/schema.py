"""The desk's tables (created by the Alembic migrations in ``services/desk/migrations``).

Each row holds its model as JSON (``body``) beside the columns that select and order it.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

cases = Table(
    "desk_cases",
    metadata,
    Column("loan_id", String(128), primary_key=True),
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),
)

tasks = Table(
    "desk_tasks",
    metadata,
    Column("task_id", String(128), primary_key=True),
    # (revision 0004: none for a debtor's task with no known loan)
    Column("loan_id", String(128), index=True),
    Column("team", String(40), nullable=False),
    Column("status", String(16), nullable=False),
    # (revision 0003: who holds it, for "my tasks")
    Column("assignee", String(128)),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Index("desk_tasks_queue", "team", "status", "due_at"),
    Index("desk_tasks_assignee", "assignee", "status", "due_at"),
)

contacts = Table(
    "desk_contacts",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("debtor_id", String(128), nullable=False),
    Column("loan_id", String(128)),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Index("desk_contacts_case", "debtor_id", "at"),
    Index("desk_contacts_at", "at"),  # the reports (revision 0008)
)

promises = Table(
    "desk_promises",
    metadata,
    Column("loan_id", String(128), primary_key=True),
    Column("promised_by", Date, primary_key=True),
    Column("body", Text, nullable=False),
)

#: The register of disputes and complaints (revision 0006), the earliest answer due first.
disputes = Table(
    "desk_disputes",
    metadata,
    Column("dispute_id", String(128), primary_key=True),
    Column("loan_id", String(128), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("answer_due", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Index("desk_disputes_register", "status", "answer_due"),
)

actions = Table(
    "desk_actions",
    metadata,
    Column("action_id", String(128), primary_key=True),
    Column("loan_id", String(128), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Index("desk_actions_at", "at"),  # the reports (revision 0008)
)

#: (revision 0005) Review queues' items: one per send that asks a person.
reviews = Table(
    "desk_reviews",
    metadata,
    Column("item_id", String(128), primary_key=True),
    Column("queue", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Index("desk_reviews_queue", "queue", "state", "opened_at"),
)

#: (revision 0007) Field visits: one row per proposed slot, found by its notice's request id.
visits = Table(
    "desk_visits",
    metadata,
    Column("visit_id", String(128), primary_key=True),
    Column("loan_id", String(128), nullable=False, index=True),
    Column("notice_id", String(128), nullable=False),
    Column("episode", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Index("desk_visits_notice", "notice_id", unique=True),
)
