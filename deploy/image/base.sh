#!/usr/bin/env bash
# The base images, made from Debian packages alone (no registry): a pinned suite, minbase,
# Python 3.11 from Debian, the non-root user 10001, no documentation. `runtime` is what the
# services run on; `build` adds the venv module that the build stage needs to install uv.
# Each is made once per package list and imported into the local podman store.
set -euo pipefail
source "$(dirname "$0")/env.sh"
runtime_packages="python3,ca-certificates,tzdata"
build_packages="$runtime_packages,python3-venv"

make_base() {  # name, packages
  local name="$1" packages="$2" tag
  tag="$(printf '%s %s %s' "$suite" "$mirror" "$packages" | sha256sum | cut -c1-12)"
  if podman image exists "localhost/dunwell-$name-base:$tag"; then
    echo "localhost/dunwell-$name-base:$tag"; return
  fi
  echo "base: making the $name base from Debian $suite ($packages)" >&2
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='chroot "$1" groupadd --gid 10001 dunwell' \
    --customize-hook='chroot "$1" useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dunwell' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    "$suite" "$out/$name-base.tar" "$mirror" >&2
  podman import --quiet --change 'CMD ["/bin/bash"]' \
    --change "LABEL org.opencontainers.image.base.name=debian:$suite-minbase" \
    "$out/$name-base.tar" "localhost/dunwell-$name-base:$tag" >/dev/null
  rm -f "$out/$name-base.tar"
  echo "localhost/dunwell-$name-base:$tag"
}

make_base runtime "$runtime_packages" > "$out/runtime-base" &
runtime=$!
make_base build "$build_packages" > "$out/build-base"
wait "$runtime"
cat "$out/runtime-base" "$out/build-base"
