"""The project's image, built by ``deploy/image/build.sh`` (``make image``) from this checkout."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".local" / "image"
CONTAINERS_CONF = OUT / "containers.conf"


@dataclass(frozen=True)
class Image:
    tag: str
    config: dict[str, Any]
    labels: dict[str, str]
    stem: Path

    def run(
        self, *args: str, entrypoint: str | None = None, read_only: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``podman run`` of this image: no network, no capabilities, a read-only root."""
        options = ["--rm", "--network=none", "--cap-drop=all", *(["--read-only"] * read_only)]
        if entrypoint:
            options.append(f"--entrypoint={entrypoint}")
        return podman("run", *options, self.tag, *args)

    def artefact(self, suffix: str) -> Path:
        """``.local/image/dunwell-<version><suffix>``: ``.oci``, ``.docker.tar``, ``.cdx.json``."""
        return self.stem.parent / f"{self.stem.name}{suffix}"


def podman(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"CONTAINERS_CONF": str(CONTAINERS_CONF)}
    return subprocess.run(  # noqa: S603 - podman with our own arguments
        ["podman", *args],  # noqa: S607 - from the PATH, installed by deploy/image/tools.sh
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="session")
def image() -> Image:
    """Build the image from this checkout (layers are cached: quick when nothing changed)."""
    build = subprocess.run(  # noqa: S603 - the project's own script
        [str(ROOT / "deploy" / "image" / "build.sh")], capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    tag = build.stdout.strip().splitlines()[-1].split()[0]
    inspected = podman("image", "inspect", tag)
    assert inspected.returncode == 0, inspected.stderr
    [document] = json.loads(inspected.stdout)
    config = document["Config"]
    version = tag.rsplit(":", 1)[1]
    return Image(tag, config, config.get("Labels") or {}, OUT / f"dunwell-{version}")
