#!/usr/bin/env bash
# Apache Avro's Java library, for the Fineract interoperability tests only (nothing ships).
#
#   avro-java.sh           fetch the jars (Maven Central, once; again when pom.xml changes),
#                          compile Encode.java (again when it changes), and print the class path
#
# Needs Java 17+ and Maven (`mvn`); jars and classes live under .local/avro-java (git-ignored).
# tests/support/fineract_java.py runs this itself, so `make test` on a clean clone needs nothing
# more; `make tools` runs it ahead.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
state="${DUNWELL_LOCAL_DIR:-$root/.local}/avro-java"
jars="$state/jars"
classes="$state/classes"

log() { printf 'avro-java: %s\n' "$*" >&2; }

command -v java >/dev/null || { log "Java 17+ is required (apt-get install openjdk-17-jdk-headless)"; exit 3; }
command -v javac >/dev/null || { log "a Java 17+ compiler (javac) is required (apt-get install openjdk-17-jdk-headless)"; exit 3; }
command -v mvn >/dev/null || { log "Maven is required to fetch Apache Avro's jars (apt-get install maven)"; exit 3; }

if [ ! -f "$jars/.complete" ] || [ "$here/pom.xml" -nt "$jars/.complete" ]; then
  log "resolving Apache Avro's Java jars from Maven Central into $jars"
  rm -rf "$jars"; mkdir -p "$jars"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$jars" -DincludeScope=runtime >&2
  touch "$jars/.complete"
  rm -rf "$classes"
fi
if [ ! -f "$classes/Encode.class" ] || [ "$here/Encode.java" -nt "$classes/Encode.class" ]; then
  log "compiling $here/Encode.java"
  rm -rf "$classes"; mkdir -p "$classes"
  javac -Xlint:all -Werror -d "$classes" -cp "$jars/*" "$here/Encode.java" >&2
fi
printf '%s\n' "$classes:$jars/*"
