"""The sandbox runs from a checkout as ``python -m sandbox``; ``dunwell`` ships without it."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from sandbox.cli import main as sandbox_main
from services.cli import main as dunwell_main


def test_the_sandbox_command_offers_the_simulator_and_the_smtp_inbox() -> None:
    result = CliRunner().invoke(sandbox_main, ["--help"])
    assert result.exit_code == 0, result.output
    assert "simulate" in result.output
    assert "smtp" in result.output


def test_the_operator_command_offers_no_stand_ins() -> None:
    result = CliRunner().invoke(dunwell_main, ["--help"])
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:")[1].split()
    assert not {"simulate", "sandbox"} & set(commands)
    assert {"verify", "policy", "kafka"} <= set(commands)


def _python(*args: str) -> str:
    run = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)  # noqa: S603
    return run.stdout


def test_the_operator_command_loads_no_sandbox_module() -> None:
    probe = (
        "import sys, services.cli; "
        "print(sorted(m for m in sys.modules if m == 'sandbox' or m.startswith('sandbox.')))"
    )
    assert _python("-c", probe).strip() == "[]"


def test_python_m_sandbox_prints_its_usage() -> None:
    assert _python("-m", "sandbox", "--help").startswith("Usage: python -m sandbox")
