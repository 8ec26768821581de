"""A fault-injection run: the whole system on the real broker, with the provider sandbox and a
real SMTP server, a simulated book fed in pieces and a fault between pieces.

A supervisor restarts any service process that exits on its own, as Kubernetes would, and
counts it; the run's own kills are not counted there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Self

import sqlalchemy
from aiokafka.errors import KafkaError
from sqlalchemy import text

from sandbox.loanbook import Item, publish_items
from sandbox.providers.background import BackgroundSandbox
from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from shared.kafka import create_topics, delete_topics, in_namespace
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
Store = Literal["sqlite", "postgres"]
Action = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Profile:
    """How hard a run pushes: the short one is ``make test-long``, the long one is
    ``make test-resilience``."""

    name: str
    loans: int
    days: int
    kills_per_service: int
    broker_restarts: int
    postgres_restarts: int
    rebalances: int
    fault_rate: float
    settle_s: float


#: How long after a send Tencent's status pull lists it, in the faults scenario: longer than
#: the provider timeout (3 s) and the ask just after it.
TENCENT_REPORT_DELAY_S = 6.0

SHORT = Profile("short", 60, 40, 1, 1, 1, 1, 0.2, 240)
LONG = Profile("long", 240, 60, 10, 3, 3, 3, 0.2, 600)


def chosen_profile() -> Profile:
    """``DUNWELL_RESILIENCE=long`` selects the long profile (``make test-resilience``)."""
    return LONG if os.environ.get("DUNWELL_RESILIENCE") == "long" else SHORT


@dataclass
class Tally:
    """What happened to the system during a run."""

    kills: Counter[str] = field(default_factory=Counter)
    unplanned_restarts: Counter[str] = field(default_factory=Counter)
    broker_restarts: int = 0
    postgres_restarts: int = 0
    rebalances: int = 0
    outage_s: list[float] = field(default_factory=list)


class Run:
    """One fault-injection run, used as ``async with Run(...) as run``."""

    def __init__(
        self,
        broker: str,
        workdir: Path,
        *,
        name: str,
        store: Store = "sqlite",
        postgres: str | None = None,
        seed: int = 1,
        env: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.settings = env or {}
        namespace = f"{name}{secrets.token_hex(3)}"
        self.kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
        self.workdir = workdir
        self.store = store
        self.postgres = postgres
        self.tally = Tally()
        self.ports = {service: free_port() for service in SERVICES}
        self.providers = BackgroundSandbox(
            callback_base=f"http://127.0.0.1:{self.ports['notifier']}"
        )
        self.inbox = SmtpInbox()
        self.stack: Stack  # built on entry, once the provider sandbox listens
        self.databases: dict[str, str] = {}
        self._paused: set[str] = set()
        self._supervisor: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        await create_topics(self.kafka, self.kafka.topics.all(), partitions=4)
        self.providers.start()
        self.inbox.start()
        try:
            await self._start_services()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def _start_services(self) -> None:
        self.stack = Stack(
            StackConfig(
                bootstrap_servers=self.kafka.bootstrap_servers,
                workdir=self.workdir,
                smtp_port=self.inbox.port,
                namespace=self.kafka.topic_namespace,
                ports=self.ports,
                providers_url=self.providers.url,
            )
        )
        if self.store == "postgres":
            assert self.postgres is not None
            for service in ("audit", "notifier"):
                self.databases[service] = await asyncio.to_thread(self._create_database, service)
        for service in SERVICES:
            self.stack.start(service, self._env(service))
        for service in SERVICES:
            await self.stack.wait_ready(service, timeout_s=150)
        self._supervisor = asyncio.create_task(self._supervise())

    async def stop_all(self) -> dict[str, int]:
        """Stop supervising, then stop every process cleanly; returns their exit codes."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        return await asyncio.to_thread(self.stack.stop_all)

    async def __aexit__(self, *exc: object) -> None:
        if hasattr(self, "stack"):
            await self.stop_all()
        self.inbox.stop()
        self.providers.stop()
        with contextlib.suppress(KafkaError, OSError):  # the session's sweep tries again
            await delete_topics(self.kafka, in_namespace(self.kafka.topic_namespace))
        for name in self.databases.values():
            await asyncio.to_thread(self._drop_database, name)

    def _env(self, service: str) -> dict[str, str]:
        env = dict(self.settings.get(service, {}))
        if service in self.databases:
            url = self.postgres_url(self.databases[service])
            env[f"DUNWELL_{service.upper()}_DATABASE_URL"] = url
        return env

    def postgres_url(self, database: str) -> str:
        assert self.postgres is not None
        return self.postgres.rsplit("/", 1)[0] + "/" + database

    def _create_database(self, service: str) -> str:
        name = f"dunwell_{service}_{secrets.token_hex(4)}"
        admin = sqlalchemy.create_engine(self.postgres or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        return name

    def _drop_database(self, name: str) -> None:
        admin = sqlalchemy.create_engine(self.postgres or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    def database_url(self, service: str) -> str:
        """Where ``service`` keeps its data in this run."""
        if service in self.databases:
            return self.postgres_url(self.databases[service])
        return self.stack.config.env(service)[f"DUNWELL_{service.upper()}_DATABASE_URL"]

    # --- the supervisor ---------------------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            for name, process in list(self.stack.processes.items()):
                if name in self._paused or process.poll() is None:
                    continue
                log.warning("%s exited with %s; restarting it", name, process.returncode)
                self.tally.unplanned_restarts[name] += 1
                self.stack.stop(name)  # closes its log
                self.stack.start(_service_of(name), name=name)

    # --- faults -----------------------------------------------------------------------

    async def kill(self, name: str) -> None:
        """SIGKILL one process and start it again, as after a crash."""
        self._paused.add(name)
        try:
            self.stack.kill(name)
            self.tally.kills[name] += 1
            self.stack.start(_service_of(name), name=name)
            await self.stack.wait_ready(name, timeout_s=150)
        finally:
            self._paused.discard(name)

    async def restart_broker(self) -> None:
        """Stop the Kafka broker cleanly, leave it down a few seconds, start it again."""
        await self._outage("deploy/local/kafka/kafka.sh", self.rng.uniform(2, 6))
        self.tally.broker_restarts += 1

    async def restart_postgres(self) -> None:
        """Stop PostgreSQL (fast shutdown: sessions are cut), then start it again."""
        await self._outage("deploy/local/postgres/postgres.sh", self.rng.uniform(1, 4))
        self.tally.postgres_restarts += 1

    async def _outage(self, script: str, down_s: float) -> None:
        began = time.monotonic()
        await _script(script, "down")
        await asyncio.sleep(down_s)
        await _script(script, "up")
        self.tally.outage_s.append(time.monotonic() - began)

    async def add_notifier(self) -> None:
        """A second notifier instance joins the group: the partitions are shared out again."""
        self.stack.start("notifier", self._env("notifier"), name="notifier-2", port=free_port())
        await self.stack.wait_ready("notifier-2", timeout_s=150)
        self.tally.rebalances += 1

    async def remove_notifier(self) -> None:
        """The second instance is scaled away (SIGTERM): its partitions go back."""
        self._paused.add("notifier-2")
        self.stack.stop("notifier-2")
        del self.stack.processes["notifier-2"]
        self._paused.discard("notifier-2")
        self.tally.rebalances += 1

    def inject_provider_faults(self, rate: float) -> None:
        """Faults at ``rate`` on every provider and the SMTP server; Tencent lists a send in
        its status pull only a while after it (the carrier's report), so a timed-out send
        cannot be confirmed at once: the reconciler must find it later."""
        self.providers.sandbox.state.status_delay_s["tencent"] = TENCENT_REPORT_DELAY_S
        self.providers.fault("aliyun", "5xx", "timeout", "429", rate=rate)
        self.providers.fault("tencent", "5xx", "timeout", "429", rate=rate)
        self.providers.fault("twilio", "5xx", "timeout", "429", rate=rate)
        self.providers.fault("wechat", "5xx", "timeout", "45009", "42001", rate=rate)
        self.inbox.handler.inject(
            rate, "451 4.3.0 mailbox busy, try again", "554 5.7.1 message refused", "drop"
        )

    # --- driving ----------------------------------------------------------------------

    async def drive(self, items: Sequence[Item], actions: Sequence[Action]) -> None:
        """Publish the book in ``len(actions) + 1`` pieces, one action after each piece but
        the last, each at a random moment while the system works on what came before."""
        pieces = len(actions) + 1
        size = -(-len(items) // pieces)
        for n in range(pieces):
            await publish_items(self.kafka, items[n * size : (n + 1) * size])
            if n < len(actions):
                await asyncio.sleep(self.rng.uniform(0.3, 3.0))
                await actions[n]()


def _service_of(name: str) -> str:
    return name.split("-", 1)[0]


async def _script(path: str, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        str(ROOT / path),
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{path} {' '.join(args)} failed: {err.decode()[-2000:]}")
