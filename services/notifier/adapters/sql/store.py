"""The notifier's store on SQLAlchemy Core: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from services.notifier.adapters.sql.batch import SqlBatch
from services.notifier.adapters.sql.callbacks import SqlCallbacks
from services.notifier.adapters.sql.calls import SqlCalls
from services.notifier.adapters.sql.deferrals import SqlDeferrals
from services.notifier.adapters.sql.directory import SqlDirectory
from services.notifier.adapters.sql.early import SqlEarlyReceipts
from services.notifier.adapters.sql.email import SqlEmail
from services.notifier.adapters.sql.gate import SqlGate
from services.notifier.adapters.sql.holds import SqlHolds
from services.notifier.adapters.sql.ledger import SqlLedger
from services.notifier.adapters.sql.review import SqlReviewSends
from services.notifier.adapters.sql.uncertain import SqlUncertain


class SqlNotifierStore(
    SqlBatch,
    SqlDirectory,
    SqlCallbacks,
    SqlEarlyReceipts,
    SqlLedger,
    SqlGate,
    SqlDeferrals,
    SqlCalls,
    SqlReviewSends,
    SqlEmail,
    SqlHolds,
    SqlUncertain,
):
    """:class:`~services.notifier.ports.NotifierStore` in one relational database."""
