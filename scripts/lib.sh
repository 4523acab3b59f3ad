# Shell helpers the test and benchmark scripts source (`. scripts/lib.sh`
# from the repository root): stop with a message, pick a free port, wait for
# a server, start dynalite and the local server. Nothing here gives up quietly.

# Stops the script with one line naming it and the problem.
die() {
  echo "$0: $*" >&2
  exit 1
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for URL [TRIES] [INTERVAL]: until URL answers 2xx; fails after TRIES
# tries INTERVAL seconds apart (default 100 x 0.1 s).
wait_for() {
  local url=$1 tries=${2:-100} interval=${3:-0.1}
  for _ in $(seq "$tries"); do
    curl -sf -m 300 -o /dev/null "$url" && return 0
    sleep "$interval"
  done
  return 1
}

# start_dynalite DIR: starts dynalite in memory (tests/dynalite, installed by
# `npm ci --prefix tests/dynalite`); sets dynalite_pid and DYNALITE_URL.
start_dynalite() {
  [ -d tests/dynalite/node_modules/dynalite ] ||
    die "dynalite is not installed: run npm ci --prefix tests/dynalite"
  DYNALITE_KEEP_ALIVE=1 node tests/dynalite/start.js > "$1/dynalite.port" &
  dynalite_pid=$!
  for _ in $(seq 100); do
    [ -s "$1/dynalite.port" ] && break
    sleep 0.1
  done
  [ -s "$1/dynalite.port" ] || die "dynalite did not print its port within 10 s"
  DYNALITE_URL="http://127.0.0.1:$(head -n1 "$1/dynalite.port")"
}

# start_local_api PORT LOG COMMAND...: runs the local server (COMMAND,
# configured by the caller's environment) on PORT, logging to LOG; sets
# local_pid and waits until it serves, or stops the script with its log's end.
start_local_api() {
  local port=$1 log=$2
  shift 2
  PORT=$port "$@" > "$log" 2>&1 &
  local_pid=$!
  wait_for "http://127.0.0.1:$port/.well-known/jwks.json" ||
    die "the local server did not answer on port $port: $(tail -n 5 "$log")"
}
