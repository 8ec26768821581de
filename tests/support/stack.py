"""Service processes on the real broker, each test in its own topic namespace."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from sandbox.arrivals import arrivals
from sandbox.providers.background import BackgroundSandbox
from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from shared.kafka import create_topics
from shared.settings import KafkaSettings


def stop_together(stack: Stack, timeout_s: float = 30.0) -> dict[str, int]:
    """Stop every process of ``stack`` at once: SIGTERM to each, then wait for all (each does
    its own orderly shutdown; none waits for another's, as ``Stack.stop_all`` has them do).
    One still running after ``timeout_s`` is killed; returns the exit codes by name."""
    running = [p for p in stack.processes.values() if p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for process in running:
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {name: stack.stop(name) for name in stack.processes}  # (all exited: closes the logs)


def assert_stopped_cleanly(
    stack: Stack,
    codes: dict[str, int],
    expected: Collection[str] = SERVICES,
    tail_lines: int = 40,
) -> None:
    """Every process of ``expected`` (and any other) exited 0; otherwise fail with the codes
    and the last ``tail_lines`` of each failed process's log (what a CI run's output must show
    to be diagnosed from)."""
    missing = sorted(set(expected) - set(codes))
    failed = {name: code for name, code in codes.items() if code != 0}
    if missing:
        raise AssertionError(f"no exit code for {missing}: {codes}")
    if not failed:
        return
    tails = []
    for name in failed:
        try:
            lines = stack.log_text(name).splitlines()[-tail_lines:]
        except OSError as error:
            lines = [f"(no log: {error})"]
        tails.append(f"--- {name} exited {failed[name]}; its log ends:\n" + "\n".join(lines))
    raise AssertionError(f"a service did not stop cleanly: {codes}\n" + "\n".join(tails))


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


@dataclass
class ProviderStack:
    """All three services with the provider sandbox and an SMTP inbox: what borrowers get."""

    stack: Stack
    inbox: SmtpInbox
    providers: BackgroundSandbox
    kafka: KafkaSettings

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.stack.config.ports[service]}{path}"

    async def reply(self, number: str, text: str, provider: str = "aliyun") -> None:
        """The borrower at ``number`` answers by SMS: the provider sandbox pushes it to the
        notifier in that provider's own inbound format."""
        body = {"provider": provider, "from": number, "text": text}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.providers.url}/_reply", json=body) as response,
        ):
            assert response.status == 200, await response.text()

    def delivered(self) -> Counter[tuple[str, str]]:
        """(channel, verification code) -> how many times it reached a borrower."""
        return arrivals(self.providers, self.inbox)


@contextmanager
def provider_stack(
    broker: str,
    workdir: Path,
    prefix: str,
    clock_start: str,
    *,
    image: str | None = None,
    env: dict[str, dict[str, str]] | None = None,
    identity_url: str | None = None,
) -> Iterator[ProviderStack]:
    """Start the whole system on its own topics, the gate's clock at ``clock_start``; stop it
    after, and check that every service stopped cleanly.

    :param image: run the services as containers of this image instead of processes.
    :param env: settings per service, over the stack's.
    :param identity_url: the identity provider whose tokens the desk, the notifier and the
        audit service take (``sandbox.identity.BackgroundIdentity``).
    """
    namespace = f"{prefix}{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
    asyncio.run(create_topics(kafka, kafka.topics.all(), partitions=4))
    ports = {service: free_port() for service in SERVICES}
    providers = BackgroundSandbox(callback_base=f"http://127.0.0.1:{ports['notifier']}").start()
    inbox = SmtpInbox().start()
    stack = Stack(
        StackConfig(
            bootstrap_servers=broker,
            workdir=workdir,
            smtp_port=inbox.port,
            namespace=namespace,
            ports=ports,
            providers_url=providers.url,
            notifier_clock_start=clock_start,
            image=image,
            identity_url=identity_url,
        )
    )
    stack.extra_env.update(env or {})
    try:
        asyncio.run(stack.start_all())
        yield ProviderStack(stack, inbox, providers, kafka)
    finally:
        codes = stop_together(stack)
        inbox.stop()
        providers.stop()
    assert_stopped_cleanly(stack, codes)
