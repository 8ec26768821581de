"""The audit's operator commands: ``dunwell verify``, the offline bundle verifier."""

from __future__ import annotations

import base64
import json
import sys
from typing import IO

import click

from services.audit.domain.checkpoint import VerifierKey
from services.audit.domain.verifier import BundleInvalid, verify_bundle


@click.command()
@click.argument("bundle", type=click.File("rb"))
@click.option(
    "--keys",
    "keys_file",
    type=click.File("rb"),
    default=None,
    help="Trusted key history (JSON from GET /v1/keys) instead of the bundle's own keys.",
)
def verify(bundle: IO[bytes], keys_file: IO[bytes] | None) -> None:
    """Verify an evidence bundle offline: exit 0 with a report, or 1 naming the first failure."""
    try:
        document = json.loads(bundle.read())
        trusted = None
        if keys_file is not None:
            trusted = [
                VerifierKey(k["name"], base64.b64decode(k["public_key"]))
                for k in json.loads(keys_file.read())["keys"]
            ]
        report = verify_bundle(document, trusted)
    except BundleInvalid as e:
        where = f"entry {e.index}: " if e.index is not None else ""
        click.echo(f"FAILED  {where}{e.problem}", err=True)
        sys.exit(1)
    except (ValueError, KeyError, TypeError) as e:
        click.echo(f"FAILED  not a readable bundle: {type(e).__name__}: {e}", err=True)
        sys.exit(1)
    for line in report.lines:
        click.echo(line)
    click.echo("VERIFIED")
