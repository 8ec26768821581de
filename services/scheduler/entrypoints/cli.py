"""The scheduler's operator command: ``dunwell fineract decode`` (what a raw value means)."""

from __future__ import annotations

import sys
from typing import IO

import click

from services.scheduler.ports import TranslateAvro
from shared.errors import InvalidEvent


def fineract_commands(translate: TranslateAvro) -> click.Group:
    """``dunwell fineract``, reading records with ``translate`` (Fineract's adapter)."""

    @click.group()
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
    def decode(source: IO[bytes], loan_id: int | None) -> None:
        """Print the Dunwell event one raw Fineract Kafka value (file or stdin) maps to, as JSON."""
        key = loan_id.to_bytes(8, "big", signed=True) if loan_id is not None else None
        try:
            event = translate(source.read(), key)
        except InvalidEvent as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        if event is None:
            click.echo("error: a Fineract event Dunwell reads but does not act on", err=True)
            sys.exit(1)
        click.echo(event.model_dump_json(indent=2))

    return fineract
