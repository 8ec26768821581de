#!/usr/bin/env bash
# `make image`: the project's image, built without a daemon or a registry, then exported beside
# its SBOM: .local/image/dunwell-<version>.oci (OCI layout), .docker.tar (docker-archive) and
# .cdx.json (CycloneDX). DUNWELL_IMAGE_BASE=registry skips the Debian-made bases and builds on
# the Dockerfile's own defaults (python:3.11-slim), as a bank's registry-based CI would.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/tools.sh"
source "$here/env.sh"
cd "$root"
started=$(date +%s)
args=()
if [ "${DUNWELL_IMAGE_BASE:-debian}" != registry ]; then
  mapfile -t bases < <("$here/base.sh")
  args+=(--pull=never --build-arg "BASE=${bases[0]}" --build-arg "BUILD_BASE=${bases[1]}")
fi
# The build reaches PyPI through this host's CA trust store, mounted read-only for the build
# only (never copied into a layer); uv's cache is shared the same way.
ca=/etc/ssl/certs/ca-certificates.crt
cache="${UV_CACHE_DIR:-$HOME/.cache/uv}"
mkdir -p "$cache"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
podman build --quiet --network host --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
  "${args[@]}" \
  --volume "$ca:/run/build-ca.crt:ro" --build-arg SSL_CERT_FILE=/run/build-ca.crt \
  --build-arg PIP_CERT=/run/build-ca.crt \
  --volume "$cache:/root/.cache/uv" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --tag "$image" --file Dockerfile . >/dev/null
stem="$out/dunwell-$version"
rm -rf "$stem.oci" "$stem.docker.tar"
podman save --quiet --format oci-dir --output "$stem.oci" "$image"
podman save --quiet --format docker-archive --output "$stem.docker.tar" "$image"
"$here/sbom.sh" "$image" > "$stem.cdx.json"
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "$image built in $(( $(date +%s) - started )) s: $(( size / 1000000 )) MB;" \
  "$(( $(stat -c %s "$stem.docker.tar") / 1000000 )) MB as docker-archive; SBOM $stem.cdx.json"
