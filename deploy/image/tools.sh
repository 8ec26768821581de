#!/usr/bin/env bash
# The daemonless image tools, from Debian's packages when they are missing: podman and buildah
# build and run, mmdebstrap makes the base from Debian packages, skopeo and umoci read layouts,
# runc is the runtime (crun fails where cgroups run in hybrid mode).
set -euo pipefail
need=(podman buildah mmdebstrap skopeo umoci runc)
missing=()
for tool in "${need[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "image tools: missing ${missing[*]}; run as root or: apt-get install ${need[*]}" >&2
  exit 3
fi
echo "image tools: installing ${missing[*]} from Debian's packages" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${need[@]}" uidmap fuse-overlayfs slirp4netns >/dev/null
