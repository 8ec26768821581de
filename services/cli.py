"""The ``dunwell`` operator command."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager

import click
from pydantic_settings import SettingsConfigDict

from services.audit.entrypoints.cli import verify as audit_verify
from services.notifier.entrypoints.cli import notifier_commands, policy
from services.notifier.entrypoints.replies_cli import replies
from services.notifier.ports import GateStore
from services.scheduler.entrypoints.cli import fineract_commands
from services.scheduler.ports import TranslateAvro
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


main.add_command(audit_verify)


def _fineract() -> TranslateAvro:
    # Built when the command runs, with the scheduler's settings (the bank's default region).
    from services.scheduler.bootstrap import fineract
    from services.scheduler.settings import Settings as SchedulerSettings

    return fineract(SchedulerSettings())


main.add_command(fineract_commands(_fineract))
main.add_command(policy)
main.add_command(replies)


def _notifier_store() -> AbstractAsyncContextManager[GateStore]:
    # Imported when a notifier command runs: the others need neither its settings nor its
    # database driver.
    from services.notifier.bootstrap import operator_store

    return operator_store()


main.add_command(notifier_commands(_notifier_store))


if __name__ == "__main__":
    main()
