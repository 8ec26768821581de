#!/usr/bin/env bash
# Run a command with the local Kafka broker and PostgreSQL up; stop afterwards whatever this
# script started (a broker or database that was already running is left running).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
started=()
cleanup() {
  local code=$?
  for ((i=${#started[@]}-1; i>=0; i--)); do "${started[$i]}" down || true; done
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && ! "$here/kafka/kafka.sh" status; then
  "$here/kafka/kafka.sh" up
  started+=("$here/kafka/kafka.sh")
fi
if [ -z "${DUNWELL_TEST_POSTGRES_URL:-}" ] && ! "$here/postgres/postgres.sh" status 2>/dev/null; then
  "$here/postgres/postgres.sh" up
  started+=("$here/postgres/postgres.sh")
fi
"$@"
