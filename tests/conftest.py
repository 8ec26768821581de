"""Shared fixtures: the real Kafka broker and PostgreSQL started by the Makefile."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from shared.kafka import create_topics, delete_topics, in_namespace, list_topics
from shared.settings import KafkaSettings

#: The business date the end-to-end and resilience runs are set on (the books end on it, the
#: gate's clock starts at 09:00 on it): by default the first Monday of 2027, whose holiday
#: calendar is still provisional. ``DUNWELL_TEST_DATE=2027-02-10 make test`` runs them across
#: the Spring Festival.
os.environ.setdefault("DUNWELL_TEST_DATE", "2027-01-04")


def _worker_port_pool() -> None:
    """Each pytest-xdist worker picks its ports (``sandbox.smtp.free_port``) from its own slice
    of the pool, so two workers never hand the same port to two services at once."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if not worker.startswith("gw") or count < 1 or "DUNWELL_PORT_POOL" in os.environ:
        return
    from sandbox.smtp import PORT_POOL

    low, high = PORT_POOL
    size = (high - low) // count
    first = low + int(worker[2:]) * size
    os.environ["DUNWELL_PORT_POOL"] = f"{first}-{first + size}"


_worker_port_pool()


#: Test files that share something outside their own temporary directories, each set run in
#: one pytest-xdist worker: the image's tests build and run the one image of .local/image.
_ONE_WORKER = ("tests/image/",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (``make test``), each of ``_ONE_WORKER`` kept to one worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

    class ByFile(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((d for d in _ONE_WORKER if path.startswith(d)), path)

    return ByFile(config, log)


def broker_address() -> str:
    """The broker the Makefile started (or the cluster named by KAFKA_BOOTSTRAP_SERVERS)."""
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (
        f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}"
    )


def postgres_url() -> str:
    port = os.environ.get("POSTGRES_PORT", "15432")
    default = f"postgresql+psycopg://dunwell@127.0.0.1:{port}/postgres"
    return os.environ.get("DUNWELL_TEST_POSTGRES_URL") or default


def _reachable(address: str) -> bool:
    host, _, port = address.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def broker() -> str:
    """The broker's address; a missing broker is a failure, never a skip."""
    address = broker_address()
    if not _reachable(address):
        pytest.fail(f"Kafka broker {address} is unreachable: run the tests with `make test`")
    return address


@pytest.fixture
async def kafka(broker: str) -> AsyncIterator[KafkaSettings]:
    """Kafka settings with a fresh topic namespace, every topic created (and deleted after)."""
    settings = KafkaSettings(bootstrap_servers=broker, topic_namespace=f"t{secrets.token_hex(4)}")
    await create_topics(settings, settings.topics.all(), partitions=2)
    yield settings
    await delete_topics(settings, in_namespace(settings.topic_namespace))


_TOPICS_BEFORE = pytest.StashKey[set[str]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Note the broker's topics before the run (in the one process that leads it: with
    pytest-xdist, the controller, whose session ends after every worker's)."""
    config = session.config
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    address = broker_address()
    if _reachable(address):
        settings = KafkaSettings(bootstrap_servers=address)
        config.stash[_TOPICS_BEFORE] = set(asyncio.run(list_topics(settings)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Delete every topic the run created, at its end: a local broker that keeps every
    test's partitions runs out of open files after a few runs. Not in a worker: another
    worker's tests may still be using theirs."""
    before = session.config.stash.get(_TOPICS_BEFORE, None)
    address = broker_address()
    if before is not None and _reachable(address):
        settings = KafkaSettings(bootstrap_servers=address)
        asyncio.run(delete_topics(settings, lambda name: name not in before))


@pytest.fixture(scope="session")
def postgres() -> str:
    """The PostgreSQL URL; a missing server is a failure, never a skip."""
    url = postgres_url()
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    if not _reachable(host_port):
        pytest.fail(f"PostgreSQL {host_port} is unreachable: run the tests with `make test`")
    return url


@pytest.fixture
def postgres_database(postgres: str) -> Iterator[str]:
    """A new, empty database on the test server for one test, dropped afterwards.

    Synchronous, so that async adapter fixtures can ask for it by name.
    """
    name = f"dunwell_test_{secrets.token_hex(4)}"
    admin = sqlalchemy.create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield postgres.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
