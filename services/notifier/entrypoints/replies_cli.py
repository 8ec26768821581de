"""``dunwell replies classify``: what the notifier understands of borrowers' replies, one per
line on stdin, one JSON per line out (for compliance officers and for checking a corpus)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import PackInvalid
from services.notifier.domain.replies import understand


@click.group("replies")
def replies() -> None:
    """Borrowers' replies, as the notifier reads them."""


@replies.command("classify")
@click.option("--pack", default="cn", show_default=True, help="cn, us or a pack file.")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d"]),
    default=None,
    help="When the replies arrived (relative dates such as 下周五 are read from it, in the "
    "pack's time zone); default: now.",
)
@click.option(
    "--channel", type=click.Choice(["sms", "email", "wechat"]), default="sms", show_default=True
)
@click.option(
    "--explain", is_flag=True, help='Add "by": the cue, "model" or "no cue" that decided.'
)
def classify(pack: str, now: datetime | None, channel: str, explain: bool) -> None:
    """Read one reply per line on stdin; print one JSON per line: intent, promise_amount,
    promise_date (and with --explain, by)."""
    try:
        loaded = load_pack(pack)
    except PackInvalid as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    zone = ZoneInfo(loaded.default_timezone)
    moment = now if now is not None and now.tzinfo else (now or datetime.now(zone))
    today = moment.replace(tzinfo=moment.tzinfo or zone).astimezone(zone).date()
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        understood = understand(text, channel, [loaded], today)  # type: ignore[arg-type]
        shown = understood.public() | ({"by": understood.by} if explain else {})
        click.echo(json.dumps(shown, ensure_ascii=False))
