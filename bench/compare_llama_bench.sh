#!/usr/bin/env bash
# Prompt processing (pp512) and generation (tg128) speed, Citadel's `citadel bench` vs llama.cpp's
# llama-bench, on the same GGUF files at the same thread count, alternated A B A B; each run is one
# repetition of each tool, and the table gives the medians of the tokens/s both report and their
# ratio (Citadel / llama.cpp; above 1 is faster).
#
# The files are made by the model generator at real shapes with random weights (Q8_0, Q4_0), and
# Q4_K_M by llama.cpp's llama-quantize from the generator's F16 file, so that the mix of K-quant
# types is exactly llama.cpp's:
#
#   [MODELS="qwen2.5-0.5b-q4_0 ..."] bench/compare_llama_bench.sh LLAMA_CPP_BIN_DIR MODEL_DIR [threads] [runs]
#
# MODEL_DIR gets qwen2.5-0.5b-{q8_0,q4_0,q4_k_m}.gguf and llama3.2-1b-{q8_0,q4_0,q4_k_m}.gguf if
# missing (about 4.5 GB with the F16 intermediates).
set -euo pipefail
bin=${1:?usage: $0 LLAMA_CPP_BIN_DIR MODEL_DIR [THREADS] [RUNS]}
models=${2:?usage: $0 LLAMA_CPP_BIN_DIR MODEL_DIR [THREADS] [RUNS]}
threads=${3:-$(nproc)}
runs=${4:-5}
cd "$(dirname "$0")/.."
citadel=build/release/citadel
gen=build/release/citadel-gen-model
mkdir -p "$models"

for spec in "qwen2 qwen2.5-0.5b" "llama llama3.2-1b"; do
  set -- $spec
  for t in F16 Q8_0 Q4_0; do
    f="$models/$2-${t,,}.gguf"
    [ -f "$f" ] || "$gen" --arch "$1" --preset "$2" --type "$t" --out "$f" > /dev/null
  done
  [ -f "$models/$2-q4_k_m.gguf" ] || "$bin/llama-quantize" "$models/$2-f16.gguf" "$models/$2-q4_k_m.gguf" Q4_K_M > /dev/null 2>&1
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-22s %-6s %12s %12s %7s\n' model test citadel_t/s llama_t/s ratio
for name in ${MODELS:-qwen2.5-0.5b-q8_0 qwen2.5-0.5b-q4_0 qwen2.5-0.5b-q4_k_m llama3.2-1b-q8_0 llama3.2-1b-q4_0 llama3.2-1b-q4_k_m}; do
  model="$models/$name.gguf"
  : > "$tmp/c_pp"; : > "$tmp/c_tg"; : > "$tmp/l_pp"; : > "$tmp/l_tg"
  for _ in $(seq "$runs"); do
    "$citadel" bench -m "$model" -t "$threads" -p 512 -n 128 -r 1 --json > "$tmp/c.json"
    python3 -c "import json,sys; r=json.load(open('$tmp/c.json')); [open('$tmp/c_'+x['test'][:2],'a').write(str(x['tokens_per_second'])+'\n') for x in r]"
    "$bin/llama-bench" -m "$model" -t "$threads" -p 512 -n 128 -r 1 -o json > "$tmp/l.json" 2>/dev/null
    python3 -c "import json; r=json.load(open('$tmp/l.json')); [open('$tmp/l_'+('pp' if x['n_prompt'] else 'tg'),'a').write(str(x['avg_ts'])+'\n') for x in r]"
  done
  for test in pp tg; do
    c=$(median < "$tmp/c_$test"); l=$(median < "$tmp/l_$test")
    printf '%-22s %-6s %12.2f %12.2f %7.2f\n' "$name" "$test$([ $test = pp ] && echo 512 || echo 128)" "$c" "$l" "$(echo "$c / $l" | bc -l)"
  done
done
