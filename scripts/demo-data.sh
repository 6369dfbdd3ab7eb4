#!/usr/bin/env bash
# Loads a handful of realistic shops of the region through the public HTTP
# API, so a fresh `scripts/run` shows something. Usage:
#   scripts/demo-data.sh [GATEWAY_URL]     (default http://127.0.0.1:8080)
# A shop that already exists (same name in the same commune) is skipped, so
# re-running after a partial load creates no duplicates. Any other non-2xx
# answer stops the script with the server's problem+json on stderr.
set -euo pipefail

base="${1:-${COMPTOIR_GATEWAY_URL:-http://127.0.0.1:8080}}"
base="${base%/}"

# name | commune INSEE code (data/communes-bfc.csv) | category
SHOPS=(
  "Fromagerie Gaugry|21231|fromagerie"                # Dijon
  "Boulangerie du Morvan|58062|boulangerie"           # Château-Chinon (Ville)
  "Caves de la Côte|21054|caviste"                    # Beaune
  "Ferme des Fourches|58145|producteur"               # Lormes
  "Primeur de Battant|25056|primeur"                  # Besançon
  "Épicerie de la Loue|25434|epicerie"                # Ornans
)

py=/usr/bin/python3
[[ -x $py ]] || py=python3

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

# exists NAME INSEE: true when a shop of that name already lists in the commune.
exists() {
  local code
  code="$(curl -sS -o "$tmp" -w '%{http_code}' --max-time 10 \
    "$base/v1/shops?commune=$2")" || return 1
  [[ $code == 2* ]] || return 1
  "$py" -c '
import json, sys
shops = json.load(open(sys.argv[1])).get("shops", [])
sys.exit(0 if any(s.get("name") == sys.argv[2] for s in shops) else 1)
' "$tmp" "$1"
}

created=0 skipped=0
for entry in "${SHOPS[@]}"; do
  IFS='|' read -r name insee category <<<"$entry"
  if exists "$name" "$insee"; then
    skipped=$((skipped + 1))
    continue
  fi
  body="$("$py" -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "communeInsee": sys.argv[2], "category": sys.argv[3]}, ensure_ascii=False))' \
    "$name" "$insee" "$category")"
  code="$(curl -sS -o "$tmp" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/json' -X POST --data-binary "$body" "$base/v1/shops")" \
    || {
      echo "demo-data: POST $base/v1/shops failed (is the gateway up?)" >&2
      exit 1
    }
  case "$code" in
    2??) created=$((created + 1)) ;;
    409) skipped=$((skipped + 1)) ;;
    *)
      echo "demo-data: POST /v1/shops for \"$name\" answered HTTP $code:" >&2
      cat "$tmp" >&2
      echo >&2
      exit 1
      ;;
  esac
done
echo "demo-data: $created shops created, $skipped already there"
