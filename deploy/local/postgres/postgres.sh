#!/usr/bin/env bash
# Local PostgreSQL for `make test` and `make run`: installed from Debian's packages when missing,
# run as the unprivileged `postgres` user on 127.0.0.1 with its data under .local/postgres.
#
#   postgres.sh up     install if needed, initdb once, start, wait until it answers
#   postgres.sh down   stop (fast shutdown)
#   postgres.sh clean  stop and delete the cluster (its data, log and sockets)
#   postgres.sh status exit 0 when running
#   postgres.sh where  print the data directory (postmaster.pid, sockets) and the server log
#   postgres.sh url    print the SQLAlchemy URL of the local server
#
# When the `postgres` user cannot reach .local/postgres (a checkout under a directory it cannot
# enter, such as a clone in /root, mode 700), or its socket path would be too long, the cluster
# lives in /var/tmp/dunwell-postgres-<hash of .local/postgres and the port> instead, owned by
# `postgres`, mode 700; .local/postgres/data and .local/postgres/server.log link to it.
#
# With DUNWELL_TEST_POSTGRES_URL set, that server is used and nothing is started.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
state="${DUNWELL_LOCAL_DIR:-$root/.local}/postgres"
case "$state" in /*) ;; *) state="$PWD/$state" ;; esac
port="${POSTGRES_PORT:-15432}"
outside="/var/tmp/dunwell-postgres-$(printf '%s:%s' "$state" "$port" | sha256sum | cut -c1-16)"

log() { printf 'postgres: %s\n' "$*" >&2; }

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

install_if_missing() {
  if bindir >/dev/null; then return; fi
  if [ "$(id -u)" != 0 ]; then log "PostgreSQL is missing; run as root or: apt-get install postgresql"; exit 3; fi
  log "installing PostgreSQL from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# From /, as the current directory may be one the postgres user cannot enter.
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

server_user() {
  if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# The data directory as the server's user reaches it: .local/postgres/data itself, the directory
# its link points to, or (.local removed while a cluster was outside) that directory.
datadir() {
  if [ -L "$state/data" ]; then readlink "$state/data"
  elif [ ! -e "$state/data" ] && outside_ours && [ -d "$outside/data" ]; then echo "$outside/data"
  else echo "$state/data"
  fi
}

# Whether the server's user can use .local/postgres; the socket $state/data/.s.PGSQL.<port>
# must fit in 107 bytes.
reachable() {
  as_pg test -d "$state" -a -w "$state" -a -x "$state" && [ "${#state}" -le 87 ]
}

outside_ours() {
  [ ! -L "$outside" ] && [ -d "$outside" ] && [ "$(stat -c %U:%a "$outside")" = "$(server_user):700" ]
}

# The directory outside the checkout, created for the server's user with mode 700; one that
# someone else made (or a link) is refused, never taken over.
make_outside() {
  if mkdir -m 700 "$outside" 2>/dev/null && [ "$(id -u)" = 0 ]; then chown postgres:postgres "$outside"; fi
  if ! outside_ours; then
    log "$outside is not a directory of $(server_user) with mode 700; remove it and run again"
    exit 1
  fi
}

running() {
  local bin data; bin=$(bindir) || return 1
  data=$(datadir)
  [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

up() {
  if [ -n "${DUNWELL_TEST_POSTGRES_URL:-}" ]; then log "using DUNWELL_TEST_POSTGRES_URL"; return; fi
  install_if_missing
  local bin; bin=$(bindir)
  mkdir -p "$state"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$state"; fi
  if [ -L "$state/data" ] && [ ! -d "$state/data" ]; then rm -f "$state/data" "$state/server.log"; fi
  if [ ! -e "$state/data" ] && { [ -e "$outside" ] || ! reachable; }; then
    make_outside
    ln -sfn "$outside/data" "$state/data"
    ln -sfn "$outside/server.log" "$state/server.log"
  fi
  local data; data=$(datadir)
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a cluster in $data"
    as_pg "$bin/initdb" -D "$data" -U dunwell --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then log "already running on 127.0.0.1:$port"; return; fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$(dirname "$data")/server.log" -w -t 60 \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
  log "ready at 127.0.0.1:$port (user dunwell, trust auth on loopback)"
}

down() {
  [ -n "${DUNWELL_TEST_POSTGRES_URL:-}" ] && return
  local bin; bin=$(bindir) || { log "not installed"; return; }
  if running; then
    as_pg "$bin/pg_ctl" -D "$(datadir)" -m fast -w stop >/dev/null && log "stopped"
  else
    log "not running"
  fi
}

clean() {
  [ -n "${DUNWELL_TEST_POSTGRES_URL:-}" ] && return
  down
  local home; home=$(dirname "$(datadir)")
  case "$home" in /var/tmp/dunwell-postgres-*) rm -rf "$home" ;; esac
  rm -rf "$state"
  log "removed the cluster"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  clean) clean ;;
  status) running ;;
  where) data=$(datadir); printf 'data %s\nlog  %s\n' "$data" "$(dirname "$data")/server.log" ;;
  url) echo "${DUNWELL_TEST_POSTGRES_URL:-postgresql+psycopg://dunwell@127.0.0.1:$port/postgres}" ;;
  *) echo "usage: $0 up|down|clean|status|where|url" >&2; exit 2 ;;
esac
