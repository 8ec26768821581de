"""The notifier's operator commands: ``dunwell policy`` (the gate's packs, for compliance
officers) and ``dunwell notifier`` (its database, for operators)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path

import click
from pydantic import ValidationError

from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import HolidayRule, PackInvalid
from services.notifier.domain.policy.scenario import Scenario
from services.notifier.ports import GateStore
from shared.calendars import CALENDARS_DIR, Calendar, coverage_warnings

#: Opens the notifier's store for one command (its database from the notifier's settings).
OpenStore = Callable[[], AbstractAsyncContextManager[GateStore]]


@click.group()
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


def notifier_commands(open_store: OpenStore) -> click.Group:
    """The ``notifier`` group, on the store ``open_store`` opens when a command runs."""

    @click.group("notifier")
    def notifier() -> None:
        """Operator commands for the notifier (its database from DUNWELL_NOTIFIER_DATABASE_URL)."""

    @notifier.command("redrive")
    @click.option("--debtor", default=None, help="Only this debtor's parked sends.")
    def redrive(debtor: str | None) -> None:
        """Re-drive sends blocked after their contact point stayed unknown for the longest hold:
        each is held afresh and goes through the compliance gate again (its outcome recorded in
        the audit log) as soon as the running notifier's dispatcher takes it."""

        async def run() -> int:
            async with open_store() as store:
                return await store.redrive(debtor)

        count = asyncio.run(run())
        click.echo(f"{count} parked send(s) re-driven through the gate")

    return notifier


def _validation_summary(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "document"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
