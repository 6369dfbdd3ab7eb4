#!/usr/bin/env bash
# Prints a `.env` for docker compose from deploy/env.example with every "change-me"
# replaced by a fresh random value, and a fresh Ed25519 token key pair (openssl + xxd).
#   deploy/make-env.sh > .env && chmod 600 .env
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rand() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

signing="change-me" public="change-me"
if command -v openssl >/dev/null 2>&1; then
  # An Ed25519 key: libsodium's 64-byte secret key is seed || public key.
  pem="$(openssl genpkey -algorithm ed25519 2>/dev/null)" || pem=""
  if [[ -n $pem ]]; then
    der_priv="$(printf '%s\n' "$pem" | openssl pkey -outform DER 2>/dev/null | tail -c 32 | od -An -tx1 | tr -d ' \n')"
    der_pub="$(printf '%s\n' "$pem" | openssl pkey -pubout -outform DER 2>/dev/null | tail -c 32 | od -An -tx1 | tr -d ' \n')"
    kid="k$(date -u +%Y%m%d)"
    signing="$kid:$(printf '%s%s' "$der_priv" "$der_pub" | xxd -r -p | b64url)"
    public="$kid:$(printf '%s' "$der_pub" | xxd -r -p | b64url)"
  fi
fi
[[ $signing != change-me ]] || echo "make-env: openssl/xxd missing: set AUTH_SIGNING_KEYS and AUTH_PUBLIC_KEYS by hand" >&2

while IFS= read -r line; do
  case "$line" in
    AUTH_SIGNING_KEYS=*) echo "AUTH_SIGNING_KEYS=$signing" ;;
    AUTH_PUBLIC_KEYS=*) echo "AUTH_PUBLIC_KEYS=$public" ;;
    *=change-me) echo "${line%%=*}=$(rand)" ;;
    *) echo "$line" ;;
  esac
done <"$here/env.example"
