"""The ``dunwell`` operator command."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from services.audit.entrypoints.cli import verify as audit_verify
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import HolidayRule, PackInvalid
from services.notifier.domain.policy.scenario import Scenario
from services.scheduler.adapters.fineract.mapping import to_event as fineract_event
from shared.calendars import CALENDARS_DIR, Calendar, coverage_warnings
from shared.errors import InvalidEvent
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


@main.group()
def fineract() -> None:
    """Apache Fineract external events."""


@fineract.command("decode")
@click.argument("source", type=click.File("rb"), default="-")
@click.option(
    "--loan-id",
    type=int,
    default=None,
    help="The record's Kafka key (the loan id), for events whose payload lacks it.",
)
def fineract_decode(source: IO[bytes], loan_id: int | None) -> None:
    """Print the Dunwell event one raw Fineract Kafka value (file or stdin) maps to, as JSON."""
    key = loan_id.to_bytes(8, "big", signed=True) if loan_id is not None else None
    try:
        event = fineract_event(source.read(), key)
    except InvalidEvent as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    if event is None:
        click.echo("error: a Fineract event Dunwell reads but does not act on", err=True)
        sys.exit(1)
    click.echo(event.model_dump_json(indent=2))


@main.group()
def policy() -> None:
    """The compliance gate's policy packs, for compliance officers."""


_CALENDARS_OPTION = click.option(
    "--calendars",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CALENDARS_DIR,
    show_default=True,
    help="The directory of business and holiday calendars the packs read.",
)


@policy.command("evaluate")
@click.option(
    "--pack",
    "packs",
    multiple=True,
    default=("cn",),
    show_default=True,
    help="cn, us or a pack file; repeat to combine packs (the most restrictive wins).",
)
@_CALENDARS_OPTION
def policy_evaluate(packs: tuple[str, ...], calendars: Path) -> None:
    """Read one scenario JSON on stdin, print the gate's decision JSON."""
    try:
        loaded = [load_pack(p, calendars) for p in packs]
    except PackInvalid as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    raw = sys.stdin.buffer.read()
    try:
        scenario = Scenario.model_validate_json(raw)
    except ValidationError as e:
        click.echo(f"error: not a valid scenario: {_validation_summary(e)}", err=True)
        sys.exit(2)
    decision = evaluate(loaded, scenario)
    click.echo(json.dumps(decision.public(), ensure_ascii=False))


@policy.command("check")
@click.argument("packs", nargs=-1, required=True)
@_CALENDARS_OPTION
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Judge calendar coverage as of this day (default: today in the calendar's zone).",
)
def policy_check(packs: tuple[str, ...], calendars: Path, today: datetime | None) -> None:
    """Validate packs (cn, us or files): print each one's id, version and hash, or the problem,
    and the coverage of every calendar they read (a warning when it needs an operator)."""
    failed = False
    seen: dict[str, Calendar] = {}
    for name in packs:
        try:
            pack = load_pack(name, calendars)
        except PackInvalid as e:
            click.echo(f"error: {e}", err=True)
            failed = True
            continue
        click.echo(pack.label)
        seen |= {r.bound.id: r.bound for r in pack.of_type(HolidayRule)}
    for calendar in seen.values():
        day = today.date() if today else calendar.business_date(datetime.now(UTC))
        click.echo(_coverage_line(calendar))
        for warning in coverage_warnings(calendar, day):
            click.echo(f"warning: {warning}", err=True)
    sys.exit(1 if failed else 0)


def _coverage_line(calendar: Calendar) -> str:
    official = calendar.official_through
    covered = calendar.covered_through
    return (
        f"{calendar.label} official through {official or 'never'}, "
        f"provisional through {covered or 'never'}, then computed statutory days"
    )


@main.group("notifier")
def notifier_group() -> None:
    """Operator commands for the notifier (its database from DUNWELL_NOTIFIER_DATABASE_URL)."""


@notifier_group.command("redrive")
@click.option("--debtor", default=None, help="Only this debtor's parked sends.")
def notifier_redrive(debtor: str | None) -> None:
    """Re-drive sends blocked after their contact point stayed unknown for the longest hold:
    each is held afresh and goes through the compliance gate again (its outcome recorded in
    the audit log) as soon as the running notifier's dispatcher takes it."""
    from services.notifier.adapters.sql.store import SqlNotifierStore
    from services.notifier.settings import Settings as NotifierSettings
    from shared.database import create_engine

    async def redrive() -> int:
        engine = create_engine(NotifierSettings().database_url)
        try:
            return await SqlNotifierStore(engine).redrive(debtor)
        finally:
            await engine.dispose()

    count = asyncio.run(redrive())
    click.echo(f"{count} parked send(s) re-driven through the gate")


def _validation_summary(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "document"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
