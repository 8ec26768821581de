"""The end-to-end run's stack: the book's services, how many processes of each, and the
providers and inbox they send to in a process of their own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bench.e2e_providers import ProvidersProcess
from bench.notifier_bench import fresh_postgres_database
from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig, morning_of
from shared.settings import KafkaSettings

#: A Monday on which the cn pack is in force (2026-01-30 on): before it, the gate blocks
#: every send ("the pack is not in force today"), as it must.
START = date(2026, 3, 2)


#: The providers' own rate limits are not what is measured: the buckets are opened wide.
WIDE_OPEN = {
    "DUNWELL_NOTIFIER_ALIYUN__RATE_PER_S": "100000",
    "DUNWELL_NOTIFIER_WECHAT__RATE_PER_S": "100000",
}


def book_stack(kafka: KafkaSettings, workdir: Path) -> tuple[Stack, ProvidersProcess]:
    """The stack, and the providers and inbox it sends to in a process of their own (in the
    driver's interpreter they took a share of its GIL: 0.27 s a text, 0.38 s an email)."""
    ports = {s: free_port() for s in SERVICES}
    providers = ProvidersProcess(callback_base=f"http://127.0.0.1:{ports['notifier']}").start()
    config = StackConfig(
        bootstrap_servers=kafka.bootstrap_servers,
        workdir=workdir,
        smtp_port=providers.smtp_port,
        namespace=kafka.topic_namespace,
        ports=ports,
        log_level="WARNING",
        providers_url=providers.url,
        # The clock starts on the book's first morning: what is planned is still true
        # when it is sent (the book replays weeks while the clock runs minutes).
        notifier_clock_start=morning_of(START),
    )
    return Stack(config), providers


#: The three services a book goes through (the desk, people's console, is not on its path:
#: run beside them it took a quarter of the stack's CPU reading the interactions), and how
#: many processes of each. Two scheduler workers (two of the book's four partitions each):
#: measured on an idle machine, 100,000 loans, runs alternating (2026-12-03), the book took
#: 124.0 and 115.0 s with two against 144.7 and 131.8 s with one: one worker holds a core
#: alone while the rest of the stack leaves most of the other idle, and two close their
#: partitions' days side by side, so the notifier gets its requests sooner. (On a machine at
#: load 10 to 20, 2026-12-02, two took a 30,000-loan book in 94 s against one's 65 s.) One
#: notifier: two on one PostgreSQL database took 145.5 s beside one's 129.3 s on SQLite
#: (2026-12-03, two schedulers each; 142 s against 92 s at load, 2026-12-02). Two or more
#: notifiers share a PostgreSQL database (the production store); one alone keeps SQLite.
WORKERS = {"audit": 1, "notifier": 1, "scheduler": 2}


def start_book_services(stack: Stack, workers: dict[str, int] | None = None) -> None:
    """The book's services, the notifier with the providers' buckets opened wide and its start-up
    catch-up off: contact details go through its consume loop beside the requests, as they
    would on a morning when core banking's changes and the book arrive together. Several
    notifiers share one PostgreSQL database (the production store), one alone SQLite.
    ``workers``: how many processes of each service (``WORKERS`` unless given)."""
    workers = workers or WORKERS
    notifier = {**WIDE_OPEN, "DUNWELL_NOTIFIER_DIRECTORY_CATCH_UP_S": "0"}
    if workers["notifier"] > 1:
        notifier["DUNWELL_NOTIFIER_DATABASE_URL"] = fresh_postgres_database()
    for service, count in workers.items():
        stack.start(service, notifier if service == "notifier" else None)
        for n in range(2, count + 1):
            name, port = f"{service}-{n}", free_port()
            stack.start(service, _second(stack, service, n), name=name, port=port)


def _second(stack: Stack, service: str, n: int) -> dict[str, str]:
    """What the n-th process of a service needs of its own: the scheduler its table's files."""
    own = dict(stack.extra_env.get(service, {}))
    if service == "scheduler":
        own["DUNWELL_SCHEDULER_DATADIR"] = str(stack.config.workdir / f"scheduler-{n}")
    return own
