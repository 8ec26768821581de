"""Shared fixtures: the real Kafka broker and PostgreSQL started by the Makefile."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator

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


@pytest.fixture(scope="session", autouse=True)
def topics_swept() -> Iterator[None]:
    """Delete every topic the session created, at its end: a local broker that keeps every
    test's partitions runs out of open files after a few runs."""
    address = broker_address()
    if not _reachable(address):
        yield
        return
    settings = KafkaSettings(bootstrap_servers=address)
    before = set(asyncio.run(list_topics(settings)))
    yield
    if _reachable(address):
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
