"""A book scaled out: two notifier processes on one PostgreSQL database, two scheduler workers.

The providers push every delivery receipt to the first notifier (as a load balancer may),
so the receipts of the second one's sends arrive where the send is not known yet: they are
kept in the shared database and taken by whichever process settles or polls first. Every
text's receipt must be taken exactly once, nothing sent twice, every interaction audited.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from bench.e2e_bench import one_run
from bench.e2e_stack import START
from sandbox.loanbook import simulated_book
from sandbox.reference import expected_requests
from shared.kafka import delete_topics, in_namespace
from shared.settings import KafkaSettings

pytestmark = [pytest.mark.broker, pytest.mark.long, pytest.mark.timeout(900)]

#: Enough loans for a few hundred contact requests, spread over the book's four partitions.
LOANS = 5_000


def test_two_notifiers_on_one_database_take_every_receipt_once(
    broker: str, postgres: str, tmp_path: Path
) -> None:
    namespace = f"scaled{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
    items = list(simulated_book(LOANS, days=1, run=namespace, start=START))
    requests = len(expected_requests(items))
    workers = {"audit": 1, "notifier": 2, "scheduler": 1}
    try:
        run = asyncio.run(one_run(kafka, items, requests, tmp_path, workers))
    finally:
        asyncio.run(delete_topics(kafka, in_namespace(namespace)))
    assert requests > 200
    assert set(run["outcomes"]) == {"sent"}, run["outcomes"]  # nothing blocked, held or failed
    assert run["messages"] == run["outcomes"]["sent"] >= requests
    assert all(n > 0 for n in run["sent_by_process"].values()), run["sent_by_process"]
    assert set(run["sent_by_process"]) == {"notifier", "notifier-2"}
    assert run["doubled"] == 0
    assert run["receipts_missing"] == 0
    assert run["audited"] == run["interactions"] > 0


def test_two_scheduler_workers_request_every_contact_once(
    broker: str, postgres: str, tmp_path: Path
) -> None:
    """The book as ``make bench`` runs it: two scheduler workers share its four partitions
    (each worker's table holds its own loans; a rebalance at the second's start moves some)."""
    namespace = f"twosched{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
    items = list(simulated_book(LOANS, days=1, run=namespace, start=START))
    requests = len(expected_requests(items))
    try:
        run = asyncio.run(
            one_run(kafka, items, requests, tmp_path, {"audit": 1, "notifier": 1, "scheduler": 2})
        )
    finally:
        asyncio.run(delete_topics(kafka, in_namespace(namespace)))
    assert set(run["outcomes"]) == {"sent"}, run["outcomes"]
    # Every request the reference planner makes of the book, each sent once by text and email.
    assert run["messages"] == run["outcomes"]["sent"] == 2 * requests
    assert run["doubled"] == 0
    assert run["audited"] == run["interactions"] > 0
