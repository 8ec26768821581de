#!/usr/bin/env bash
# Local PostgreSQL for `make test` and `make run`: installed from Debian's packages when missing,
# run as the unprivileged `postgres` user on 127.0.0.1 with its data under .local/postgres.
#
#   postgres.sh up     install if needed, initdb once, start, wait until it answers
#   postgres.sh down   stop (fast shutdown)
#   postgres.sh status exit 0 when running
#   postgres.sh url    print the SQLAlchemy URL of the local server
#
# With DUNWELL_TEST_POSTGRES_URL set, that server is used and nothing is started.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
state="${DUNWELL_LOCAL_DIR:-$root/.local}/postgres"
port="${POSTGRES_PORT:-15432}"
data="$state/data"

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

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

up() {
  if [ -n "${DUNWELL_TEST_POSTGRES_URL:-}" ]; then log "using DUNWELL_TEST_POSTGRES_URL"; return; fi
  install_if_missing
  local bin; bin=$(bindir)
  mkdir -p "$state"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$state"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a cluster in $data"
    as_pg "$bin/initdb" -D "$data" -U dunwell --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then log "already running on 127.0.0.1:$port"; return; fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$state/server.log" -w -t 60 \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
  log "ready at 127.0.0.1:$port (user dunwell, trust auth on loopback)"
}

down() {
  [ -n "${DUNWELL_TEST_POSTGRES_URL:-}" ] && return
  local bin; bin=$(bindir) || { log "not installed"; return; }
  if [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null && log "stopped"
  else
    log "not running"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    bin=$(bindir) || exit 1
    [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 ;;
  url) echo "${DUNWELL_TEST_POSTGRES_URL:-postgresql+psycopg://dunwell@127.0.0.1:$port/postgres}" ;;
  *) echo "usage: $0 up|down|status|url" >&2; exit 2 ;;
esac
