"""``make run``: the whole system on a simulated loan book, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from sandbox.identity import BackgroundIdentity
from sandbox.loanbook import publish_items, simulated_book
from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.providers.background import BackgroundSandbox
from sandbox.smtp import REPLY_ADDRESS, SmtpInbox
from sandbox.stack import (
    LOCAL_DIALLER_TOKEN,
    LOCAL_TOKENS,
    Stack,
    StackConfig,
    morning_of,
    run_date,
)
from shared.kafka import create_topics
from shared.settings import KafkaSettings

#: How many days of the simulated book ``make run`` replays.
DEMO_DAYS = 45
#: Where the local identity provider listens (``make run``).
IDENTITY_PORT = 8091
#: Where the notifier takes borrowers' email replies and bounces (``make run``: its SMTP
#: listener for the reply address, set on the notifier's process).
MAIL_PORT = 2526


def _print_guide(
    loans: int, workdir: Path, bootstrap: str, smtp: int, ports: dict[str, int], providers: str
) -> None:
    lines = [
        f"Dunwell is running on a simulated book of {loans} loans (the last 45 days).",
        f"  Kafka broker      {bootstrap}",
        f"  Borrowers' inbox  {workdir}/inbox/new  (SMTP on 127.0.0.1:{smtp})",
        f"  Borrowers' phones {providers}/phone  (SMS and WeChat, from the provider sandbox)",
        f"  Reply by email    SMTP 127.0.0.1:{MAIL_PORT} to {REPLY_ADDRESS}, as a borrower",
        f"  Reply as borrower curl -X POST {providers}/_reply -H 'Content-Type: application/json'"
        ' -d \'{"provider": "aliyun", "from": "+8613800000001", "text": "TD"}\'',
        f"  Ask to call       curl -X POST http://127.0.0.1:{ports['notifier']}/v1/calls"
        f" -H 'Authorization: Bearer {LOCAL_DIALLER_TOKEN}' -d '{{\"idempotency_key\": "
        '"dial-1", "debtor_id": "<debtor id>", "debt_id": "<loan id>", "number": '
        '"+8613800000001", "sender": "agency-7", "agent_id": "agent-1"}\'',
        f"  Audit timeline    curl -H 'Authorization: Bearer {LOCAL_TOKENS['auditor']['token']}' "
        f"'http://127.0.0.1:{ports['audit']}/v1/timeline?debtor_id=<debtor id>'",
        f"  Verify a message  http://127.0.0.1:{ports['audit']}/verify  (code from an email)",
        f"  Checkpoint        http://127.0.0.1:{ports['audit']}/v1/checkpoint",
        f"  Agents' queue     curl -H 'Authorization: Bearer "
        f"{LOCAL_DESK_TOKENS['agent-1']['token']}' http://127.0.0.1:{ports['desk']}"
        "/v1/queues/collections",
        f"  Case view         curl -H 'Authorization: Bearer "
        f"{LOCAL_DESK_TOKENS['supervisor-1']['token']}' http://127.0.0.1:{ports['desk']}"
        "/v1/cases/<loan id>",
        f"  Review queues     curl -H 'Authorization: Bearer "
        f"{LOCAL_DESK_TOKENS['compliance-1']['token']}' http://127.0.0.1:{ports['desk']}"
        "/v1/reviews/escalated",
        f"  Agents' console   http://127.0.0.1:{ports['desk']}/console  (sign in as agent-1,"
        " collections; supervisor-1; compliance-1)",
        f"  Sign in (IdP)     curl -X POST http://127.0.0.1:{IDENTITY_PORT}/token -d "
        '\'{"sub": "agent-1", "roles": ["agent"], "team": "collections"}\'  (a bearer JWT)',
        *(
            f"  {name:<17} http://127.0.0.1:{port}/metrics  /healthz  /readyz"
            for name, port in ports.items()
        ),
        f"  Service logs      {workdir}/<service>.log",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def _bootstrap_servers() -> str:
    return (
        os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        or f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}"
    )


async def _until_signal() -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_demo(loans: int, workdir: Path, smtp_port: int, providers_port: int) -> None:
    """Run every service with the stand-ins on a fresh demo book, until a signal."""
    bootstrap = _bootstrap_servers()
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    inbox = SmtpInbox(port=smtp_port, maildir=workdir / "inbox").start()
    # The last 45 business days of a book, up to today: notices, reminders, cures, visits. The
    # gate's clock starts on the book's first morning (it runs in real time while the book
    # replays in a minute), so what is planned is still true when it is sent.
    start = run_date() - timedelta(days=DEMO_DAYS)
    config = StackConfig(
        bootstrap_servers=bootstrap,
        workdir=workdir,
        smtp_port=inbox.port,
        notifier_clock_start=morning_of(start),
    )
    providers = BackgroundSandbox(
        callback_base=f"http://127.0.0.1:{config.ports['notifier']}", port=providers_port
    ).start()
    identity = BackgroundIdentity(port=IDENTITY_PORT).start()
    stack = Stack(
        dataclasses.replace(config, providers_url=providers.url, identity_url=identity.url)
    )
    stack.extra_env["notifier"] = {"DUNWELL_NOTIFIER_EMAIL__INBOUND_PORT": str(MAIL_PORT)}
    try:
        print("starting audit, notifier, scheduler and desk ...", flush=True)
        await stack.start_all()
        # A fresh run name each time: ids derive from it, so every run shows new messages.
        run_name = time.strftime("demo%Y%m%d%H%M%S")
        book = simulated_book(loans, days=DEMO_DAYS, run=run_name, start=start)
        await publish_items(kafka, book)
        _print_guide(loans, workdir, bootstrap, inbox.port, stack.config.ports, providers.url)
        await _until_signal()
    finally:
        print("stopping ...", flush=True)
        with contextlib.suppress(Exception):
            stack.stop_all()
        inbox.stop()
        providers.stop()
        identity.stop()
