"""``python -m sandbox``: the local stand-ins and the simulator, never shipped in the wheel.

Without a command it runs the whole system on a demo book (``make run``); its commands publish
a simulated loan book or run one stand-in on its own.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click
from pydantic_settings import SettingsConfigDict
from tqdm import tqdm

from sandbox.demo import run_demo
from sandbox.loanbook import publish_items, simulated_book
from sandbox.smtp import SmtpInbox
from shared.settings import BaseServiceSettings


class SandboxSettings(BaseServiceSettings):
    """Where the simulator publishes (environment prefix ``DUNWELL_``, e.g.
    ``DUNWELL_KAFKA__BOOTSTRAP_SERVERS``)."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )


@click.group(invoke_without_command=True)
@click.option("--loans", default=25, show_default=True, help="Loans in the demo book.")
@click.option("--workdir", type=click.Path(path_type=Path), default=Path(".local/run"))
@click.option("--smtp-port", default=2525, show_default=True)
@click.option("--providers-port", default=8090, show_default=True, help="SMS/WeChat sandbox.")
@click.pass_context
def main(
    ctx: click.Context, loans: int, workdir: Path, smtp_port: int, providers_port: int
) -> None:
    """Dunwell's sandbox. Without a command: the whole system on a demo book, until Ctrl-C."""
    if ctx.invoked_subcommand is None:
        asyncio.run(run_demo(loans, workdir, smtp_port, providers_port))


@main.command()
@click.option("--loans", default=100, show_default=True, help="How many loans.")
@click.option("--days", default=60, show_default=True, help="Simulated business days, to today.")
@click.option("--run", "run_name", default="demo", show_default=True, help="Keeps ids apart.")
@click.option("--seed", default=7, show_default=True)
@click.option("--partitions", default=4, show_default=True, help="Partitions of the loan topic.")
def simulate(loans: int, days: int, run_name: str, seed: int, partitions: int) -> None:
    """Publish a simulated loan book (openings, payments, pauses, daily closes of business)."""
    settings = SandboxSettings()
    items = list(simulated_book(loans, days=days, seed=seed, run=run_name, partitions=partitions))
    progress = tqdm(items, desc="publishing loan book", unit="event")
    asyncio.run(publish_items(settings.kafka, progress))


@main.command("smtp")
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
