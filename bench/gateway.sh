#!/usr/bin/env bash
# Read-path benchmark through the gateway: shop by slug, shop list, against /healthz (which
# touches no service) as the baseline of the same run.
#   bench/gateway.sh [connections] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-16}
seconds=${2:-5}
./scripts/run --detach >/dev/null
port=${COMPTOIR_HTTP_PORT:-8080}
slug=$(curl -fsS "http://127.0.0.1:${port}/v1/shops?page_size=1" |
  sed -n 's/.*"slug":"\([^"]*\)".*/\1/p')
if [[ -z "$slug" ]]; then
  echo "no shop to read: load the demo data first (./scripts/run)" >&2
  exit 1
fi
exec build/release/bin/http_load --port "$port" --connections "$connections" \
  --seconds "$seconds" --baseline /healthz "/v1/shops/${slug}" "/v1/shops?page_size=20"
