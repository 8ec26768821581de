#!/usr/bin/env bash
# Prometheus and promtool from Debian's packages, for the rule checks and the scrape test.
set -euo pipefail
if command -v promtool >/dev/null && command -v prometheus >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "prometheus: missing; run as root or: apt-get install prometheus" >&2; exit 3; fi
echo "prometheus: installing from Debian's packages" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
# The package's service is not wanted here: install without starting it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
