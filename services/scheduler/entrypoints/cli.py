"""The scheduler's operator command: ``dunwell fineract decode`` (what a raw value means)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO

import click

from services.scheduler.ports import TranslateAvro
from shared.errors import InvalidEvent


def fineract_commands(translator: Callable[[], TranslateAvro]) -> click.Group:
    """``dunwell fineract``, reading records with the translator ``translator`` builds
    (Fineract's adapter)."""

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
        """Print what one raw Fineract Kafka value (file or stdin) means for Dunwell, as JSON:
        the Dunwell event it maps to; a list of them for a value carrying several (a bulk
        message, a reschedule); an empty list for a Fineract event Dunwell ignores."""
        key = loan_id.to_bytes(8, "big", signed=True) if loan_id is not None else None
        try:
            translated = translator()(source.read(), key)
        except InvalidEvent as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        events = [json.loads(e.model_dump_json()) for t in translated for e in t.events]
        for item in translated:
            if item.ignored:
                click.echo(
                    f"ignored: {item.source_type} (a Fineract event Dunwell does not act on)",
                    err=True,
                )
        shown = events[0] if len(events) == 1 and len(translated) == 1 else events
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))

    return fineract
