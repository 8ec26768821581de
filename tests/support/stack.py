"""Service processes on the real broker, each test in its own topic namespace."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from shared.kafka import create_topics
from shared.settings import KafkaSettings


def isolated_stack(broker: str, workdir: Path, prefix: str) -> tuple[Stack, KafkaSettings]:
    """A stack (nothing started yet) whose topics, four partitions each, nobody else uses."""
    namespace = f"{prefix}{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
    asyncio.run(create_topics(kafka, kafka.topics.all(), partitions=4))
    stack = Stack(
        StackConfig(
            bootstrap_servers=broker,
            workdir=workdir,
            smtp_port=free_port(),
            namespace=namespace,
            ports={s: free_port() for s in SERVICES},
        )
    )
    return stack, kafka
