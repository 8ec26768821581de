"""Granting Kafka ACLs on the local broker with Apache Kafka's own AclCommand."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def grant(principal: str, *resource: str) -> None:
    """``kafka-acls --add --allow-principal <principal> <resource options>`` on the local broker.

    :param principal: e.g. ``User:dunwell-scheduler``.
    :param resource: AclCommand options naming operations and resources.
    """
    local = Path(os.environ.get("DUNWELL_LOCAL_DIR", ROOT / ".local")) / "kafka"
    java = shutil.which("java")
    assert java, "Java runs the broker's AclCommand"
    port = os.environ.get("KAFKA_PORT", "19092")
    result = subprocess.run(  # noqa: S603 - the broker's own tool, our arguments
        [
            java,
            "-cp",
            f"{local / 'jars'}/*",
            f"-Dlog4j.configuration=file:{local}/log4j.properties",
            "kafka.admin.AclCommand",
            "--bootstrap-server",
            f"127.0.0.1:{port}",
            "--add",
            "--allow-principal",
            principal,
            *resource,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
