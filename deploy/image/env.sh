# Sourced by the image scripts: where the image and its artefacts live, and the podman settings
# this kind of machine needs (runc as the runtime; ulimits no higher than the host's hard ones,
# which podman's defaults exceed here, and nproc no higher than the kernel's pid_max, which
# runc is refused beyond).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${DUNWELL_IMAGE_DIR:-$root/.local/image}"
suite="${DUNWELL_DEBIAN_SUITE:-bookworm}"
mirror="${DUNWELL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/pyproject.toml" | head -1)"
image="${DUNWELL_IMAGE:-localhost/dunwell:$version}"
mkdir -p "$out"
nofile="$(ulimit -Hn)"; nproc="$(ulimit -Hu)"
[ "$nofile" = unlimited ] && nofile=1048576
[ "$nproc" = unlimited ] && nproc=65536
[ "$nofile" -gt 65536 ] && nofile=65536
pid_max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 32768)"
[ "$nproc" -gt "$pid_max" ] && nproc="$pid_max"
cat > "$out/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$out/containers.conf"
