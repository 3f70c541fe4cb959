#!/usr/bin/env bash
# Concurrent streams: Citadel's engine (`citadel bench --parallel`) vs llama.cpp's
# llama-batched-bench, on the same GGUF file at the same thread count, alternated A B A B. For each
# number of streams N, both run N sequences of NPP distinct prompt tokens and NTG generated tokens
# (end of generation ignored) at once: llama.cpp prefills every prompt, then decodes all streams
# together; Citadel's scheduler mixes prompt chunks with decode steps as it does when serving.
#
#   bench/compare_batched.sh LLAMA_CPP_BIN_DIR MODEL [threads] [runs] [npp] [ntg] [npl]
#
# Columns (medians over the runs): total tokens/s (N * (NPP + NTG) / wall time of the whole job),
# generation tokens/s once every stream is decoding (llama.cpp's S_TG), Citadel's time to first
# token and KV slots used / allocated at steady state, and the ratios Citadel / llama.cpp.
set -euo pipefail
bin=${1:?usage: $0 LLAMA_CPP_BIN_DIR MODEL [THREADS] [RUNS] [NPP] [NTG] [NPL]}
model=${2:?usage: $0 LLAMA_CPP_BIN_DIR MODEL [THREADS] [RUNS] [NPP] [NTG] [NPL]}
threads=${3:-$(nproc)}
runs=${4:-3}
npp=${5:-128}
ntg=${6:-128}
npl=${7:-1,4,16,64}
cd "$(dirname "$0")/.."
citadel=build/release/citadel
max_pl=$(echo "$npl" | tr ',' '\n' | sort -n | tail -1)
ctx=$((max_pl * (npp + ntg)))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for r in $(seq "$runs"); do
  "$citadel" bench -m "$model" -t "$threads" -p "$npp" -n "$ntg" --parallel "$npl" -r 1 --json > "$tmp/c$r.json"
  "$bin/llama-batched-bench" -m "$model" -t "$threads" -c "$ctx" -b 2048 -ub 512 -kvu -npp "$npp" -ntg "$ntg" \
    -npl "$npl" --output-format jsonl > "$tmp/l$r.jsonl" 2>/dev/null
done

python3 - "$tmp" "$runs" <<'EOF'
import json, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
ours, theirs = {}, {}
for r in range(1, runs + 1):
    for x in json.load(open(f"{tmp}/c{r}.json")):
        ours.setdefault(x["parallel"], []).append(x)
    for line in open(f"{tmp}/l{r}.jsonl"):
        if line.strip():
            x = json.loads(line)
            theirs.setdefault(x["pl"], []).append(x)
med = lambda xs, k: statistics.median(x[k] for x in xs)
print(f"{'streams':>7} {'citadel_total':>13} {'llama_total':>11} {'ratio':>6} {'citadel_gen':>11} {'llama_gen':>9} {'ratio':>6} {'ttft_ms':>8} {'kv_use':>6}")
for n in sorted(ours):
    c, l = ours[n], theirs[n]
    ct, lt = med(c, "total_tokens_per_second"), med(l, "speed")
    cg, lg = med(c, "generation_phase_tokens_per_second"), med(l, "speed_tg")
    print(f"{n:>7} {ct:>13.1f} {lt:>11.1f} {ct / lt:>6.2f} {cg:>11.1f} {lg:>9.1f} {cg / lg:>6.2f} "
          f"{med(c, 'time_to_first_token_ms'):>8.0f} {med(c, 'kv_stored_over_allocated'):>6.3f}")
EOF
