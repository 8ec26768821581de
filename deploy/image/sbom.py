"""Write an image's CycloneDX 1.5 SBOM from its inventory (stdin, from inventory.py).

Every Python distribution in the image must be the version uv.lock pins (the project itself
aside): an image that drifted from the lock fails here rather than ship an SBOM that lies.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def normalise(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    return {normalise(p["name"]): p["version"] for p in tomllib.loads(lock.read_text())["package"]}


def python_components(inventory: list[dict[str, str]], lock: dict[str, str]) -> list[Any]:
    components, drift = [], []
    for dist in sorted(inventory, key=lambda d: normalise(d["name"])):
        name = normalise(dist["name"])
        if lock.get(name) != dist["version"]:
            drift.append(f"{name} {dist['version']} (lock: {lock.get(name, 'absent')})")
        purl = f"pkg:pypi/{name}@{dist['version']}"
        entry: dict[str, Any] = {"type": "library", "bom-ref": purl, "name": name}
        entry |= {"version": dist["version"], "purl": purl}
        if dist.get("license") and len(dist["license"]) < 100:
            entry["licenses"] = [{"expression": dist["license"]}]
        components.append(entry)
    if drift:
        sys.exit("the image's Python distributions differ from uv.lock: " + "; ".join(drift))
    return components


def debian_components(packages: list[dict[str, str]]) -> list[Any]:
    components = []
    for package in sorted(packages, key=lambda p: p["Package"]):
        name, version, arch = package["Package"], package["Version"], package["Architecture"]
        purl = f"pkg:deb/debian/{name}@{version}?arch={arch}&distro=debian-12"
        components.append(
            {"type": "library", "bom-ref": purl, "name": name, "version": version, "purl": purl}
        )
    return components


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--labels", required=True, help="the image's labels, as JSON")
    args = parser.parse_args()
    inventory = json.load(sys.stdin)
    labels = json.loads(args.labels) or {}
    lock = locked(args.lock)
    own = [d for d in inventory["python"] if normalise(d["name"]) == "dunwell"]
    others = [d for d in inventory["python"] if normalise(d["name"]) != "dunwell"]
    version = labels.get("org.opencontainers.image.version", "")
    image: dict[str, Any] = {"type": "container", "bom-ref": args.image, "name": "dunwell"}
    image |= {"version": version, "properties": [
        {"name": "org.opencontainers.image.revision",
         "value": labels.get("org.opencontainers.image.revision", "")},
        {"name": "python", "value": inventory["python_version"].split()[0]},
        {"name": "dunwell-wheel", "value": ",".join(d["version"] for d in own)},
    ]}
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {"timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                     "component": image},
        "components": python_components(others, lock) + debian_components(inventory["debian"]),
    }
    json.dump(bom, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
