"""Run inside the image: what is installed, as JSON (Python distributions, Debian packages)."""

import importlib.metadata
import json
import sys
from pathlib import Path


def debian_packages() -> list[dict[str, str]]:
    status = Path("/var/lib/dpkg/status")
    packages = []
    for stanza in status.read_text().split("\n\n") if status.exists() else []:
        fields = dict(
            line.split(": ", 1) for line in stanza.splitlines() if ": " in line and line[0] != " "
        )
        if fields.get("Status", "").endswith(" installed"):
            packages.append(
                {k: fields.get(k, "") for k in ("Package", "Version", "Architecture", "Source")}
            )
    return packages


python = [
    {"name": d.metadata["Name"], "version": d.version, "license": d.metadata.get("License") or ""}
    for d in importlib.metadata.distributions()
]
json.dump({"python": python, "debian": debian_packages(), "python_version": sys.version}, sys.stdout)
