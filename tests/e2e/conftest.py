"""The whole system as real processes on the real broker, with a real SMTP server."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from shared.kafka import create_topics
from shared.settings import KafkaSettings
from tests.support.stack import assert_stopped_cleanly, stop_together


@dataclass
class System:
    stack: Stack
    inbox: SmtpInbox
    kafka: KafkaSettings

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.stack.config.ports[service]}{path}"


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    namespace = f"e2e{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
    # As many partitions as the scheduler's table changelogs (faust refuses a mismatch).
    asyncio.run(create_topics(kafka, kafka.topics.all(), partitions=4))
    inbox = SmtpInbox().start()
    workdir: Path = tmp_path_factory.mktemp("stack")
    config = StackConfig(
        bootstrap_servers=broker,
        workdir=workdir,
        smtp_port=inbox.port,
        namespace=namespace,
        ports={service: free_port() for service in SERVICES},
    )
    stack = Stack(config)
    try:
        asyncio.run(stack.start_all())
        yield System(stack, inbox, kafka)
    finally:
        codes = stop_together(stack)
        inbox.stop()
    assert_stopped_cleanly(stack, codes)
