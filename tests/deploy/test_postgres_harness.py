"""The local PostgreSQL harness works from a checkout the `postgres` user cannot enter."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sandbox.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "deploy/local/postgres/postgres.sh"


def run(program: str, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    binary = shutil.which(program)
    assert binary, f"{program} is required"
    return subprocess.run([binary, *args], capture_output=True, text=True, **options)  # noqa: S603




def have_postgres() -> bool:
    """PostgreSQL's binaries, installed from Debian's packages first when they are missing."""
    if glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return True
    if shutil.which("apt-get") is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["update", "-qq"], ["install", "-y", "-qq", "postgresql"]):
        if run("apt-get", *step, env=env).returncode != 0:
            return False
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def harness(checkout: Path, port: int, command: str) -> subprocess.CompletedProcess[str]:
    """postgres.sh in the checkout, on its own port, starting its own server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNWELL_")}
    env["POSTGRES_PORT"] = str(port)
    return run(str(checkout / SCRIPT), command, cwd=checkout, env=env, timeout=90)


def select_one(port: int) -> object:
    with psycopg.connect(
        host="127.0.0.1", port=port, user="dunwell", dbname="postgres", connect_timeout=5
    ) as conn:
        row = conn.execute("SELECT 1").fetchone()
    return row[0] if row else None


@pytest.mark.timeout(300)  # time for apt-get on a machine without PostgreSQL
def test_up_and_down_from_a_checkout_the_postgres_user_cannot_enter(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the harness runs PostgreSQL as the `postgres` user only when run as root")
    if not have_postgres():
        pytest.skip("PostgreSQL's binaries are missing and could not be installed with apt-get")
    private = tmp_path / "private"
    private.mkdir()
    private.chmod(0o700)
    entered = run("runuser", "-u", "postgres", "--", "test", "-x", str(private))
    assert entered.returncode != 0, "the postgres user can enter the mode-700 directory"
    checkout = private / "dunwell"
    run("git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(checkout), check=True)
    port = free_port()
    try:
        started = harness(checkout, port, "up")
        assert started.returncode == 0, started.stderr
        assert select_one(port) == 1
        again = harness(checkout, port, "up")
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stderr
        assert harness(checkout, port, "status").returncode == 0
        data = Path(harness(checkout, port, "where").stdout.split()[1])
        assert (data / "postmaster.pid").exists()
        assert (checkout / ".local/postgres/server.log").exists()

        stopped = harness(checkout, port, "down")
        assert stopped.returncode == 0, stopped.stderr
        assert "stopped" in stopped.stderr
        assert harness(checkout, port, "status").returncode != 0
        with pytest.raises(psycopg.OperationalError):
            select_one(port)
    finally:
        harness(checkout, port, "down")
        cleaned = harness(checkout, port, "clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not data.exists()
    assert not (checkout / ".local/postgres").exists()
