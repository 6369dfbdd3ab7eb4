#!/usr/bin/env bash
# Loads the demo shops through the public API (see scripts/demo_data.py).
#   scripts/demo-data.sh [GATEWAY_URL]   with COMPTOIR_ADMIN_EMAIL / COMPTOIR_ADMIN_PASSWORD set
set -euo pipefail
py=/usr/bin/python3
[[ -x $py ]] || py=python3
exec "$py" "$(dirname "${BASH_SOURCE[0]}")/demo_data.py" "$@"
