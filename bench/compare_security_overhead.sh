#!/usr/bin/env bash
# What the security layers cost per request: the same model served twice on loopback — plain, and
# with everything on (API key, role with rate limits and quotas persisted in SQLite, PII policy on
# prompts and output, audit trail fail-closed with full content encrypted per subject) — loaded
# alternately by wrk with short completions. Prints, per run, requests/s and p50/p99 latency of
# each, then the medians and the p99 difference (the overhead a request pays, queueing included).
#
#   [LAYERS=all|audit] bench/compare_security_overhead.sh MODEL [connections] [seconds] [runs] [threads]
#
# LAYERS=audit turns on only the audit trail (fail-closed, full content), no authentication: the
# cost of the durable record alone.
set -euo pipefail
model=${1:?usage: $0 MODEL [CONNECTIONS] [SECONDS] [RUNS] [THREADS]}
connections=${2:-8}
seconds=${3:-10}
runs=${4:-5}
threads=${5:-$(nproc)}
command -v wrk > /dev/null || { echo "wrk is not installed: sudo apt-get install wrk" >&2; exit 1; }
cd "$(dirname "$0")/.."
citadel=build/release/citadel
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

$citadel audit keygen --out "$tmp/audit.key" > /dev/null
cat > "$tmp/secure.toml" <<TOML
[auth]
api_keys = "$tmp/keys.db"
[quota]
store = "$tmp/usage.db"
[roles.bench]
endpoints = ["completions"]
requests_per_minute = 100000000
tokens_per_minute = 1000000000
tokens_per_day = 1000000000000
pii_policy = "mask"
audit_policy = "full"
[pii.policies.mask]
default = "redact"
PHONE = "placeholder"
[audit]
store = "$tmp/audit.db"
key_file = "$tmp/audit.key"
fail_closed = true
TOML
: > "$tmp/plain.toml"
key=$($citadel keys create --store "$tmp/keys.db" --tenant bench --role bench 2> /dev/null)
if [ "${LAYERS:-all}" = audit ]; then
  printf '[audit]\nstore = "%s"\nkey_file = "%s"\nfail_closed = true\ncontent = "full"\n' "$tmp/audit.db" "$tmp/audit.key" \
    > "$tmp/secure.toml"
  key=
fi

run() {  # name config [key]
  local port
  port=$(free_port)
  $citadel serve --model "$model" --model-id m --port "$port" --threads "$threads" --config "$tmp/$2.toml" \
    > "$tmp/$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break; sleep 0.1; done
  CITADEL_KEY=${3:-} MAX_TOKENS=2 wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s -s bench/wrk_completion.lua \
    "http://127.0.0.1:$port/v1/completions" > "$tmp/$1.wrk" 2>&1 || true
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
  local statuses
  statuses=$(grep '^STATUS' "$tmp/$1.wrk" | cut -d' ' -f2-)
  [ "$statuses" = "${statuses#*[!2]00=}" ] || { echo "$1: unexpected statuses: $statuses" >&2; exit 1; }
  grep '^RESULT' "$tmp/$1.wrk" | sed -E 's/.*rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\1 \2 \3/'
}

: > "$tmp/plain.txt"; : > "$tmp/secure.txt"
for i in $(seq "$runs"); do
  run plain plain >> "$tmp/plain.txt"
  run secure secure "$key" >> "$tmp/secure.txt"
  echo "run $i: plain $(tail -1 "$tmp/plain.txt") | secure $(tail -1 "$tmp/secure.txt")  (rps p50_ms p99_ms)"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for col in 1 2 3; do
  p=$(cut -d' ' -f$col "$tmp/plain.txt" | median); s=$(cut -d' ' -f$col "$tmp/secure.txt" | median)
  name=$(echo "rps p50_ms p99_ms" | cut -d' ' -f$col)
  printf '%-7s plain %9s  secure %9s  secure/plain %.3f  difference %+.2f\n' "$name" "$p" "$s" "$(echo "$s / $p" | bc -l)" \
    "$(echo "$s - $p" | bc -l)"
done
echo "audit records written: $($citadel audit verify --db "$tmp/audit.db" --key-file "$tmp/audit.key")"
