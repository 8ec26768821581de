#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft) for `make run` and `make test`.
#
#   kafka.sh up      resolve jars (Maven Central), format storage once, start, wait until it answers
#   kafka.sh down    stop the broker cleanly (SIGTERM, then wait)
#   kafka.sh status  exit 0 when the broker answers
#
# With KAFKA_BOOTSTRAP_SERVERS set, an external cluster is used and nothing is started.
# Needs Java 17+ and Maven (`mvn`); data, logs and jars live under .local/kafka (git-ignored).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
state="${DUNWELL_LOCAL_DIR:-$root/.local}/kafka"
port="${KAFKA_PORT:-19092}"
controller_port="${KAFKA_CONTROLLER_PORT:-19093}"
sasl_port="${KAFKA_SASL_PORT:-19094}"
heap="${KAFKA_HEAP:-768m}"
jars="$state/jars"
pidfile="$state/broker.pid"

log() { printf 'kafka: %s\n' "$*" >&2; }

require_tools() {
  command -v java >/dev/null || { log "Java 17+ is required (apt-get install openjdk-17-jre-headless)"; exit 3; }
  command -v mvn >/dev/null || { log "Maven is required to fetch the broker jars (apt-get install maven)"; exit 3; }
}

resolve_jars() {
  if [ -f "$jars/.complete" ] && [ "$jars/.complete" -nt "$here/pom.xml" ]; then return; fi
  log "resolving Apache Kafka jars from Maven Central into $jars"
  rm -rf "$jars"; mkdir -p "$jars"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$jars" -DincludeScope=runtime
  touch "$jars/.complete"
}

java_cmd() {
  java -Xms256m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
       -Dlog4j.configuration="file:$state/log4j.properties" -Dkafka.logs.dir="$state/logs" \
       -Djava.security.auth.login.config="$state/jaas.conf" \
       -cp "$jars/*" "$@"
}

write_config() {
  mkdir -p "$state/data" "$state/logs"
  sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$controller_port#g" \
      -e "s#@SASL_PORT@#$sasl_port#g" -e "s#@DATA@#$state/data#g" \
      "$here/server.properties.in" > "$state/server.properties"
  sed -e "s#@LOGS@#$state/logs#g" "$here/log4j.properties.in" > "$state/log4j.properties"
  cp "$here/jaas.conf" "$state/jaas.conf"
}

format_storage() {
  if [ -f "$state/data/meta.properties" ]; then return; fi
  local cluster_id
  cluster_id=$(java_cmd kafka.tools.StorageTool random-uuid)
  log "formatting KRaft storage (cluster $cluster_id)"
  java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
      --add-scram 'SCRAM-SHA-512=[name=dunwell-admin,password=dunwell-admin-secret]' \
      --add-scram 'SCRAM-SHA-512=[name=dunwell-scheduler,password=scheduler-secret]' >/dev/null
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

up() {
  if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
    log "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS is set: using that cluster, starting nothing"
    return
  fi
  if running_pid >/dev/null && answers; then log "already running on 127.0.0.1:$port"; return; fi
  require_tools; resolve_jars; write_config; format_storage
  log "starting broker on 127.0.0.1:$port (logs: $state/logs)"
  nohup bash -c "$(declare -f java_cmd); state='$state' heap='$heap' jars='$jars' \
      java_cmd kafka.Kafka '$state/server.properties'" >"$state/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  wait_ready
}

wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until answers && grep -q 'Kafka Server started' "$state/logs/server.log" 2>/dev/null; do
    if ! running_pid >/dev/null; then
      log "broker exited during start; last lines of its log:"; tail -n 30 "$state/logs/stdout.log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then log "broker did not answer within the timeout"; exit 1; fi
    sleep 0.5
  done
  log "ready at 127.0.0.1:$port (SASL/SCRAM listener 127.0.0.1:$sasl_port)"
}

down() {
  local pid
  if ! pid=$(running_pid); then log "not running"; rm -f "$pidfile"; return; fi
  log "stopping broker (pid $pid)"
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null && ! pgrep -f "kafka.Kafka $state/server.properties" >/dev/null; then
      rm -f "$pidfile"; log "stopped"; return
    fi
    sleep 0.5
  done
  log "broker did not stop in 60 s; killing it"
  pkill -KILL -f "kafka.Kafka $state/server.properties" || true
  rm -f "$pidfile"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] || answers; then exit 0; else exit 1; fi ;;
  wipe) down; rm -rf "$state/data" "$state/logs" ;;
  *) echo "usage: $0 up|down|status|wipe" >&2; exit 2 ;;
esac
