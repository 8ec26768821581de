"""The ``dunwell`` operator command."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click
from pydantic_settings import SettingsConfigDict
from tqdm import tqdm

from sandbox.loanbook import demo_book, publish_book
from sandbox.smtp import SmtpInbox
from shared.kafka import create_topics
from shared.logging import configure_logging
from shared.settings import BaseServiceSettings


class CliSettings(BaseServiceSettings):
    """Settings of operator commands (environment prefix ``DUNWELL_``, e.g.
    ``DUNWELL_KAFKA__BOOTSTRAP_SERVERS``)."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Dunwell: lawful, respectful, evidenced overdue-loan communications."""
    settings = CliSettings()
    configure_logging("cli", "WARNING")
    ctx.obj = settings


@main.group()
def kafka() -> None:
    """Kafka administration for local runs (Strimzi manages topics in clusters)."""


@kafka.command("create-topics")
@click.option("--partitions", default=4, show_default=True, help="Partitions of each new topic.")
@click.pass_obj
def create_topics_command(settings: CliSettings, partitions: int) -> None:
    """Create every Dunwell topic and its dead-letter topic, if missing."""
    topics = settings.kafka.topics.all()
    created = asyncio.run(create_topics(settings.kafka, topics, partitions=partitions))
    click.echo(f"{len(created)} topic(s) created, {len(topics) - len(created)} already there")


@main.command()
@click.option("--loans", default=100, show_default=True, help="How many loans.")
@click.option(
    "--run", "run_name", default="demo", show_default=True, help="Name that keeps ids apart."
)
@click.option("--seed", default=7, show_default=True)
@click.pass_obj
def simulate(settings: CliSettings, loans: int, run_name: str, seed: int) -> None:
    """Publish a simulated loan book to core banking's topics."""
    book = tqdm(
        demo_book(loans, seed=seed, run=run_name),
        total=2 * loans,
        desc="publishing loan book",
        unit="event",
    )
    asyncio.run(publish_book(settings.kafka, book))


@main.group()
def sandbox() -> None:
    """Local stand-ins for providers Dunwell cannot reach from here."""


@sandbox.command("smtp")
@click.option("--port", default=2525, show_default=True)
@click.option(
    "--maildir", type=click.Path(path_type=Path), default=Path(".local/inbox"), show_default=True
)
def smtp(port: int, maildir: Path) -> None:
    """Run an SMTP server that keeps every message in a Maildir (the borrowers' inbox)."""
    maildir.parent.mkdir(parents=True, exist_ok=True)
    # Block the signals before the server thread starts, so only sigwait below receives them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    inbox = SmtpInbox(port=port, maildir=maildir).start()
    click.echo(f"SMTP inbox on 127.0.0.1:{inbox.port}, messages in {maildir}/new")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        inbox.stop()
