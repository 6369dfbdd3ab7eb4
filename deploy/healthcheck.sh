#!/bin/bash
# comptoir-healthcheck VAR PATH: the container health check. GETs PATH from the port in the
# environment variable VAR (host:port, e.g. METRICS_LISTEN) over plain HTTP/1.0 with bash's
# /dev/tcp, and succeeds on a 2xx status: runtime images carry no curl and Debian ships no
# grpc_health_probe. Exit 0 healthy, 1 not.
set -u
var="${1:?usage: comptoir-healthcheck VAR PATH}"
path="${2:-/}"
listen="${!var:-}"
port="${listen##*:}"
host="${listen%:*}"
host="${host#[}" host="${host%]}"
case "$host" in "" | 0.0.0.0 | "::" | "*") host=127.0.0.1 ;; esac
[[ $port =~ ^[0-9]+$ ]] || { echo "comptoir-healthcheck: $var=\"$listen\" has no port" >&2; exit 1; }
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: comptoir-healthcheck\r\n\r\n' "$path" "$host" >&3
IFS=' ' read -r -t 3 _ status _ <&3 || exit 1
exec 3<&- 3>&-
[[ $status == 2[0-9][0-9] ]] || { echo "comptoir-healthcheck: HTTP $status from $host:$port$path" >&2; exit 1; }
exit 0
