#!/usr/bin/env bash
# Load test of the HTTP server: wrk holds CONNECTIONS concurrent connections on loopback for
# DURATION seconds, each posting short greedy completions (bench/wrk_completion.lua), first against
# `citadel serve`, then against llama.cpp's llama-server on the same model file with the same
# threads and parallel slots. Prints, per server: requests/s, p50/p99/max latency, every HTTP status
# seen, socket errors, and whether the server was still up afterwards and exited 0 on SIGTERM.
#
#   bench/compare_serving_load.sh LLAMA_CPP_BIN_DIR MODEL [connections] [seconds] [threads] [slots]
#
# Needs wrk (Debian package `wrk`). Both servers listen on 127.0.0.1 only.
set -euo pipefail
bin=${1:?usage: $0 LLAMA_CPP_BIN_DIR MODEL [CONNECTIONS] [SECONDS] [THREADS] [SLOTS]}
model=${2:?usage: $0 LLAMA_CPP_BIN_DIR MODEL [CONNECTIONS] [SECONDS] [THREADS] [SLOTS]}
connections=${3:-256}
seconds=${4:-30}
threads=${5:-$(nproc)}
slots=${6:-16}
command -v wrk > /dev/null || { echo "wrk is not installed: sudo apt-get install wrk" >&2; exit 1; }
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_ready() {  # url
  for _ in $(seq 600); do
    curl -sf "$1" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not become ready at $1" >&2
  return 1
}

run_load() {  # name url-base ready-path
  local name=$1 base=$2
  wait_ready "$base$3"
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s -s bench/wrk_completion.lua "$base/v1/completions" \
    > "$tmp/$name.wrk" 2>&1 || true
  local alive=no
  curl -sf "$base$3" > /dev/null 2>&1 && alive=yes
  kill -TERM "$server_pid"
  local code=0
  wait "$server_pid" || code=$?
  server_pid=
  printf '%-9s %s %s alive_after=%s exit_on_sigterm=%s\n' "$name" \
    "$(grep '^RESULT' "$tmp/$name.wrk" | cut -d' ' -f2-)" "$(grep '^STATUS' "$tmp/$name.wrk" | cut -d' ' -f2- | sed 's/^/status:/')" \
    "$alive" "$code"
}

port=$(free_port)
build/release/citadel serve --model "$model" --model-id m --host 127.0.0.1 --port "$port" --threads "$threads" --parallel "$slots" \
  > "$tmp/citadel.log" 2>&1 &
server_pid=$!
run_load citadel "http://127.0.0.1:$port" /readyz

# SIGTERM in the middle of the load: the exit status and how long the drain took.
port=$(free_port)
build/release/citadel serve --model "$model" --model-id m --host 127.0.0.1 --port "$port" --threads "$threads" \
  --parallel "$slots" > "$tmp/citadel-term.log" 2>&1 &
server_pid=$!
wait_ready "http://127.0.0.1:$port/readyz"
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s -s bench/wrk_completion.lua "http://127.0.0.1:$port/v1/completions" \
  > "$tmp/term.wrk" 2>&1 &
wrk_pid=$!
sleep $((seconds / 2))
term_start=$(date +%s.%N)
kill -TERM "$server_pid"
term_code=0
wait "$server_pid" || term_code=$?
term_seconds=$(echo "$(date +%s.%N) - $term_start" | bc -l)
server_pid=
wait "$wrk_pid" || true
printf 'sigterm   exit=%s after %.2f s under load; %s %s\n' "$term_code" "$term_seconds" \
  "$(grep '^STATUS' "$tmp/term.wrk" | cut -d' ' -f2- | sed 's/^/status:/')" "$(grep '^RESULT' "$tmp/term.wrk" | grep -o 'connect_errors.*')"

port=$(free_port)
"$bin/llama-server" -m "$model" --host 127.0.0.1 --port "$port" -t "$threads" --parallel "$slots" \
  -c $((slots * 256)) > "$tmp/llama.log" 2>&1 &
server_pid=$!
run_load llama "http://127.0.0.1:$port" /health
