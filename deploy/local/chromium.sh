#!/usr/bin/env bash
# Headless Chromium for the page tests, from Debian's packages when it is missing, with a CJK
# font so that screenshots of the zh-CN page show its text.
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; }
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null && have_font; then command -v "$candidate"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then echo "chromium: missing; run as root or: apt-get install chromium" >&2; exit 3; fi
echo "chromium: installing from Debian's packages" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
command -v chromium
