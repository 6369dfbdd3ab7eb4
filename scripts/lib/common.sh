# shellcheck shell=bash disable=SC2034  # sets FREE_PORT/SVC_PID for callers
# Shared helpers for scripts/run, scripts/test and scripts/build.
# Sourced, never executed. Everything here must work as root on a fresh
# Debian 12 (CI: no terminal, CI=true) and as a normal user with sudo.
# Servers are only ever stopped through the pid files this repo wrote, so
# other PostgreSQL/Redis instances on the machine are never touched.

# Repository root: this file lives in <root>/scripts/lib.
COMPTOIR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export COMPTOIR_ROOT

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

# Debian packages the build, the tests and `scripts/run` need. Later issues
# append to this one list.
COMPTOIR_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libhiredis-dev libabsl-dev libgtest-dev libgmock-dev
  libboost-dev libboost-system-dev libsodium-dev libxxhash-dev prometheus-cpp-dev
  redis-server redis-tools postgresql-15 postgresql-client-15 postgresql-contrib
  golang-github-gogo-googleapis-dev grpc-proto
  curl ca-certificates python3 python3-yaml iproute2 util-linux tzdata
  docker-compose openssl
)

# ensure_npm_tools DIR...: installs each DIR's npm dependencies from its lock file (npm ci),
# once: again only when the lock file changed. Node.js and npm come from Debian when missing.
ensure_npm_tools() {
  if ! command -v npm >/dev/null 2>&1; then
    ensure_packages nodejs npm
  fi
  local dir stamp
  for dir in "$@"; do
    dir="$COMPTOIR_ROOT/$dir"
    stamp="$dir/node_modules/.comptoir-lock.sha256"
    if [[ -f $stamp ]] && (cd "$dir" && sha256sum --status -c "$stamp" 2>/dev/null); then
      continue
    fi
    log "npm ci in ${dir#"$COMPTOIR_ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || die "npm ci failed in $dir"
    (cd "$dir" && sha256sum package-lock.json >"$stamp")
  done
}

# ---------------------------------------------------------------- logging

_comptoir_tag="${COMPTOIR_LOG_TAG:-comptoir}"

log() { printf '[%s] %s\n' "$_comptoir_tag" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$_comptoir_tag" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$_comptoir_tag" "$*" >&2
  exit 1
}

# Milliseconds since the epoch, for timings in summaries.
now_ms() { date +%s%3N; }

# ------------------------------------------------------------- privileges

is_root() { [[ ${EUID:-$(id -u)} -eq 0 ]]; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (install sudo or run as root)"
  fi
}

# The account PostgreSQL runs under. PostgreSQL refuses to run as root, so
# root uses the Debian `postgres` account; a normal user runs it as itself.
pg_user() {
  if is_root; then echo postgres; else id -un; fi
}

# Runs a command as the PostgreSQL account, from / (the caller's folder may
# be unreachable for it, e.g. under /root; every path passed is absolute).
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# True when the PostgreSQL account can traverse into DIR (every parent
# searchable); a repo under /root (mode 700) fails this.
pg_can_reach() {
  as_pg test -x "$1" 2>/dev/null
}

# --------------------------------------------------------------- packages

# ensure_packages [extra...]: installs whatever of COMPTOIR_PACKAGES (+extra)
# is missing; `apt-get update` only runs when something must be installed.
ensure_packages() {
  local wanted=("${COMPTOIR_PACKAGES[@]}" "$@") missing=() p
  # One dpkg-query for the whole list (one per package costs ~1 s).
  local installed
  installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null \
    | awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }' | tr '\n' ' ' || true)"
  for p in "${wanted[@]}"; do
    [[ $installed == *" ${p%%:*} "* ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "installing missing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
    || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends -o Dpkg::Options::=--force-confdef \
    -o Dpkg::Options::=--force-confold "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

# ------------------------------------------------------------------ ports

_COMPTOIR_TAKEN_PORTS=" "

# Callers may hold a flock on fd 9 (scripts/run); every daemon started here
# closes that fd so it never keeps the lock alive after the caller exits.

# True when nothing is bound to 127.0.0.1:PORT (and we did not hand it out
# already in this process).
port_is_free() {
  local port="$1"
  [[ "$_COMPTOIR_TAKEN_PORTS" == *" $port "* ]] && return 1
  local py=/usr/bin/python3
  [[ -x $py ]] || py="$(command -v python3 || true)"
  if [[ -n $py ]]; then
    # A real bind is the only exact test (catches bound-but-not-listening).
    "$py" - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
    return
  fi
  # Fallback: something accepting connections means taken.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Marks PORT as handed out so a later find_free_port in this process skips it.
reserve_port() { _COMPTOIR_TAKEN_PORTS+="$1 "; }

# find_free_port [PREFERRED]: sets FREE_PORT to PREFERRED when free, else to
# the next free port above it; with no preference, to a free port below the
# ephemeral range. Sets a variable rather than printing so that the port
# stays reserved in this shell (a $(...) subshell would forget it).
FREE_PORT=""
find_free_port() {
  local preferred="${1:-}" port i
  FREE_PORT=""
  if [[ -n $preferred ]]; then
    for ((i = 0; i < 500; i++)); do
      port=$((preferred + i))
      ((port > 65535)) && break
      if port_is_free "$port"; then
        reserve_port "$port"
        FREE_PORT="$port"
        return 0
      fi
    done
  fi
  for ((i = 0; i < 500; i++)); do
    port=$((20000 + RANDOM % 12000))
    if port_is_free "$port"; then
      reserve_port "$port"
      FREE_PORT="$port"
      return 0
    fi
  done
  die "no free TCP port found on 127.0.0.1"
}

# ------------------------------------------------------------------ waits

# wait_tcp HOST PORT TIMEOUT_SECONDS [PID]: waits until HOST:PORT accepts a
# connection; gives up early when PID (the server) dies.
wait_tcp() {
  local host="$1" port="$2" timeout="$3" pid="${4:-}"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS <= deadline)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
      return 0
    fi
    if [[ -n $pid ]] && ! pid_running "$pid"; then
      return 1
    fi
    sleep 0.1
  done
  return 1
}

# wait_http URL TIMEOUT_SECONDS [PID]: waits until URL answers 2xx.
wait_http() {
  local url="$1" timeout="$2" pid="${3:-}"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS <= deadline)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    if [[ -n $pid ]] && ! pid_running "$pid"; then
      return 1
    fi
    sleep 0.2
  done
  return 1
}

# -------------------------------------------------------------- secrets

# A random hex token: safe in URLs and config files without escaping.
random_hex() {
  od -An -tx1 -N"${1:-24}" /dev/urandom | tr -d ' \n'
}

# ------------------------------------------------------- pid-file helpers

# pid_alive PIDFILE [NAME_PATTERN]: true when the pid in PIDFILE runs and
# (if given) its command line contains NAME_PATTERN, guarding against a
# recycled pid belonging to somebody else.
pid_alive() {
  local pidfile="$1" pattern="${2:-}" pid
  [[ -r $pidfile ]] || return 1
  pid="$(head -n1 "$pidfile" 2>/dev/null | tr -dc '0-9')"
  [[ -n $pid ]] || return 1
  pid_running "$pid" || return 1
  if [[ -n $pattern ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern" || return 1
  fi
  return 0
}

pid_of() { head -n1 "$1" 2>/dev/null | tr -dc '0-9'; }

# pid_running PID: alive and not a zombie (a daemon whose parent exited is
# reaped by init, which may take a while here: it is gone for our purposes).
pid_running() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ ${stat:0:1} != Z ]]
}

# Pids this shell stopped; wait_reaped waits until init has reaped them too,
# so that `pgrep` right after a stop shows nothing (not even a zombie).
_COMPTOIR_STOPPED_PIDS=()
wait_reaped() {
  local deadline=$((SECONDS + ${1:-5})) pid
  for pid in "${_COMPTOIR_STOPPED_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS <= deadline)); do
      sleep 0.1
    done
  done
  _COMPTOIR_STOPPED_PIDS=()
}

# wait_pid_gone PID TIMEOUT_SECONDS
wait_pid_gone() {
  local pid="$1" deadline=$((SECONDS + $2))
  while pid_running "$pid"; do
    ((SECONDS > deadline)) && return 1
    sleep 0.1
  done
  return 0
}

# ------------------------------------------------------------ PostgreSQL

# Socket directories must keep `<dir>/.s.PGSQL.<port>` under 107 bytes.
_pg_socket_dir() {
  local dir="$1"
  if ((${#dir} > 80)); then
    local short
    short="/tmp/comptoir-pg-$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
    echo "$short"
  else
    echo "$dir/socket"
  fi
}

# pg_prepare_dir DIR FALLBACK_KEY: makes sure the PostgreSQL account can
# reach DIR. When it cannot (repo under a root-only home), the cluster lives
# in /var/lib/comptoir/<key>/<basename> and DIR becomes a symlink to it.
pg_prepare_dir() {
  local dir="$1" key="$2"
  local parent
  parent="$(dirname "$dir")"
  mkdir -p "$parent"
  if [[ -L $dir ]]; then
    local target
    target="$(readlink "$dir")"
    if [[ ! -d $target ]]; then
      log "$dir points to a missing $target: creating a new cluster there"
      as_root mkdir -p "$target"
      as_root chown "$(pg_user)" "$target"
    fi
    return 0
  fi
  if [[ -d $dir ]]; then
    pg_can_reach "$dir" || die "$dir exists but user $(pg_user) cannot reach it; remove it to relocate the cluster"
    return 0
  fi
  mkdir -p "$dir"
  if ! pg_can_reach "$dir"; then
    rmdir "$dir"
    local real
    real="/var/lib/comptoir/$key/$(basename "$dir")"
    log "$(pg_user) cannot reach $parent; keeping the PostgreSQL cluster in $real"
    as_root mkdir -p "$real"
    as_root chmod 755 "/var/lib/comptoir" "/var/lib/comptoir/$key"
    as_root chown "$(pg_user)" "$real"
    ln -sfn "$real" "$dir"
  fi
  if is_root; then chown postgres "$(readlink -f "$dir")"; fi
}

# pg_initdb DIR MODE [PASSWORD]: creates the cluster once. MODE is `run`
# (scram-sha-256 over TCP with the superuser PASSWORD) or `test` (trust on
# 127.0.0.1 only, durability off for speed).
pg_initdb() {
  local dir mode="$2" password="${3:-}"
  dir="$(readlink -f "$1")"
  if [[ -f "$dir/data/PG_VERSION" ]]; then
    return 0
  fi
  local user
  user="$(pg_user)"
  as_pg mkdir -p "$dir"
  local args=(-D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8)
  if [[ $mode == run ]]; then
    [[ -n $password ]] || die "pg_initdb: run mode needs a password"
    local pwfile="$dir/.pwfile"
    (umask 077 && printf '%s\n' "$password" >"$pwfile")
    if is_root; then chown postgres "$pwfile"; fi
    args+=(--auth-local=peer --auth-host=scram-sha-256 --pwfile="$pwfile")
  else
    args+=(--auth-local=trust --auth-host=trust --no-sync)
  fi
  log "initdb ($mode) in $dir/data"
  if ! as_pg "$PG_BIN/initdb" "${args[@]}" >"$dir/initdb.log" 2>&1; then
    rm -f "$dir/.pwfile"
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  fi
  rm -f "$dir/.pwfile"
  # Our own access rules: loopback TCP and the private socket only.
  local hba="$dir/data/pg_hba.conf"
  if [[ $mode == run ]]; then
    printf '%s\n' \
      '# Written by scripts/lib/common.sh' \
      "local all all peer map=comptoir" \
      'host  all all 127.0.0.1/32 scram-sha-256' >"$hba"
    # Let the invoking OS user log in as postgres through the socket.
    printf '%s\n' "comptoir $user postgres" "comptoir root postgres" \
      "comptoir postgres postgres" >"$dir/data/pg_ident.conf"
  else
    printf '%s\n' '# Written by scripts/lib/common.sh' \
      'local all all trust' 'host  all all 127.0.0.1/32 trust' >"$hba"
  fi
  if is_root; then chown postgres "$hba" "$dir/data/pg_ident.conf"; fi
  grep -q "^include_if_exists = 'comptoir.conf'" "$dir/data/postgresql.conf" \
    || echo "include_if_exists = 'comptoir.conf'" >>"$dir/data/postgresql.conf"
}

# pg_write_conf DIR PORT MODE: (re)writes the settings that may change from
# one start to the next (port, socket).
pg_write_conf() {
  local dir port="$2" mode="$3" sock
  dir="$(readlink -f "$1")"
  sock="$(_pg_socket_dir "$dir")"
  as_pg mkdir -p "$sock"
  as_pg chmod 700 "$sock"
  {
    echo "# Written by scripts/lib/common.sh on every start"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$sock'"
    echo "max_connections = 200"
    # Search settings (docs/PERFORMANCE.md, Catalogue): no JIT for short queries, room to
    # sort facets, an SSD's random reads.
    echo "jit = off"
    echo "work_mem = '16MB'"
    echo "random_page_cost = 1.1"
    if [[ $mode == test ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >"$dir/data/comptoir.conf"
  if is_root; then chown postgres "$dir/data/comptoir.conf"; fi
}

pg_pidfile() { echo "$(readlink -f "$1")/data/postmaster.pid"; }

# pg_running DIR: true when the cluster in DIR runs (by its own pid file).
pg_running() {
  pid_alive "$(pg_pidfile "$1")" postgres
}

# pg_port DIR: the port the running (or last configured) cluster uses.
pg_port() {
  local dir pf
  dir="$(readlink -f "$1")"
  pf="$dir/data/postmaster.pid"
  if [[ -r $pf ]]; then
    sed -n 4p "$pf"
  elif [[ -r "$dir/data/comptoir.conf" ]]; then
    sed -n 's/^port = //p' "$dir/data/comptoir.conf"
  fi
}

# pg_start DIR PORT [MODE] [PASSWORD]: initdb once, then start and wait.
pg_start() {
  local dir="$1" port="$2" mode="${3:-run}" password="${4:-}"
  if pg_running "$dir"; then
    log "PostgreSQL already running (pid $(pid_of "$(pg_pidfile "$dir")"), port $(pg_port "$dir"))"
    return 0
  fi
  pg_initdb "$dir" "$mode" "$password"
  local real
  real="$(readlink -f "$dir")"
  pg_write_conf "$real" "$port" "$mode"
  log "starting PostgreSQL 15 on 127.0.0.1:$port ($real)"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$real/data" -l "$real/postgres.log" -w -t 60 \
    start >/dev/null 9>&-; then
    tail -n 30 "$real/postgres.log" >&2 || true
    die "PostgreSQL did not start (log: $real/postgres.log)"
  fi
}

# pg_stop DIR: fast shutdown of the cluster in DIR, if it runs.
pg_stop() {
  local dir="$1" real pid
  [[ -e $dir ]] || return 0
  real="$(readlink -f "$dir")"
  [[ -f "$real/data/PG_VERSION" ]] || return 0
  if ! pg_running "$real"; then
    return 0
  fi
  pid="$(pid_of "$real/data/postmaster.pid")"
  log "stopping PostgreSQL (pid $pid)"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$real/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
    warn "pg_ctl stop failed; sending SIGQUIT to $pid"
    kill -QUIT "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
  fi
  # pg_ctl returns once the pid file is gone; wait for the process itself so
  # "stopped" really means no postgres process is left.
  wait_pid_gone "$pid" 5 || true
  _COMPTOIR_STOPPED_PIDS+=("$pid")
}

# psql_url URL [psql args...]: runs psql quietly against URL.
psql_url() {
  local url="$1"
  shift
  "$PG_BIN/psql" "$url" -X -q -v ON_ERROR_STOP=1 "$@"
}

# ----------------------------------------------------------------- Redis

# redis_start DIR PORT [MODE]: MODE run (append-only file on) or test.
redis_start() {
  local dir="$1" port="$2" mode="${3:-run}"
  mkdir -p "$dir"
  chmod 700 "$dir"
  dir="$(cd "$dir" && pwd -P)"
  if redis_running "$dir"; then
    log "Redis already running (pid $(pid_of "$dir/redis.pid"), port $(redis_port "$dir"))"
    return 0
  fi
  rm -f "$dir/redis.pid"
  {
    echo "# Written by scripts/lib/common.sh on every start"
    echo "port $port"
    echo "bind 127.0.0.1"
    echo "protected-mode yes"
    echo "dir $dir"
    echo "daemonize yes"
    echo "pidfile $dir/redis.pid"
    echo "logfile $dir/redis.log"
    if [[ $mode == run ]]; then
      echo "appendonly yes"
      echo "appendfsync everysec"
    else
      echo "appendonly no"
      echo 'save ""'
    fi
  } >"$dir/redis.conf"
  log "starting Redis on 127.0.0.1:$port ($dir)"
  redis-server "$dir/redis.conf" 9>&- || die "redis-server failed to start (log: $dir/redis.log)"
  local deadline=$((SECONDS + 20))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; do
    if ((SECONDS > deadline)); then
      tail -n 20 "$dir/redis.log" >&2 || true
      die "Redis did not answer PING on port $port (log: $dir/redis.log)"
    fi
    sleep 0.1
  done
}

redis_running() { pid_alive "$1/redis.pid" redis-server; }

redis_port() { sed -n 's/^port //p' "$1/redis.conf" 2>/dev/null; }

# redis_stop DIR: SHUTDOWN (saves the AOF), then signals if it lingers.
redis_stop() {
  local dir="$1" pid port
  [[ -d $dir ]] || return 0
  redis_running "$dir" || {
    rm -f "$dir/redis.pid"
    return 0
  }
  pid="$(pid_of "$dir/redis.pid")"
  port="$(redis_port "$dir")"
  log "stopping Redis (pid $pid)"
  local how=""
  # A throwaway (test) Redis has nothing worth saving.
  grep -q '^appendonly no' "$dir/redis.conf" 2>/dev/null && how=nosave
  redis-cli -h 127.0.0.1 -p "$port" shutdown $how >/dev/null 2>&1 || true
  if ! wait_pid_gone "$pid" 10; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
  fi
  _COMPTOIR_STOPPED_PIDS+=("$pid")
  rm -f "$dir/redis.pid"
}

# -------------------------------------------------------------- services

# svc_start NAME LOGDIR RUNDIR BINARY [ARGS...]: starts BINARY in the
# background in its own session (so a terminal's Ctrl-C reaches only the
# supervisor, which then stops services in order), stdout+stderr appended to
# LOGDIR/NAME.log, pid in RUNDIR/NAME.pid. Environment is inherited: pass
# variables with `env VAR=... ` as BINARY. Sets SVC_PID (no subshell, so
# the pid is the real process: setsid and env both exec in place).
SVC_PID=""
svc_start() {
  local name="$1" logdir="$2" rundir="$3"
  shift 3
  mkdir -p "$logdir" "$rundir"
  setsid "$@" </dev/null >>"$logdir/$name.log" 2>&1 9>&- &
  SVC_PID=$!
  echo "$SVC_PID" >"$rundir/$name.pid"
}

# svc_stop NAME RUNDIR PATTERN: SIGTERM, then SIGKILL after 10 s. PATTERN
# must appear in the process command line (guards against pid reuse).
svc_stop() {
  local name="$1" rundir="$2" pattern="$3" pidfile pid
  pidfile="$rundir/$name.pid"
  [[ -f $pidfile ]] || return 0
  if pid_alive "$pidfile" "$pattern"; then
    pid="$(pid_of "$pidfile")"
    # The pid file goes first: a supervisor watching it then knows the stop
    # is deliberate rather than a crash.
    rm -f "$pidfile"
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" 10; then
      warn "$name did not stop within 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_pid_gone "$pid" 5 || true
    fi
    _COMPTOIR_STOPPED_PIDS+=("$pid")
  fi
  rm -f "$pidfile"
}
