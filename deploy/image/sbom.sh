#!/usr/bin/env bash
# The CycloneDX SBOM of an image (stdout): the Python distributions installed in its
# environment, checked against uv.lock, and the Debian packages of its base, read from the image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
inventory="$(podman run --rm -i --network none --entrypoint python3 "$1" - < "$here/inventory.py")"
labels="$(podman image inspect --format '{{json .Labels}}' "$1")"
python3 "$here/sbom.py" --lock "$root/uv.lock" --image "$1" --labels "$labels" <<< "$inventory"
