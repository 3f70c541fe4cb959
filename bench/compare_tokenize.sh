#!/usr/bin/env bash
# Tokenization throughput, Citadel vs llama.cpp's llama-tokenize, on the same vocabulary file and
# the same generated 1 MiB mixed English/Chinese/code text. Whole processes, alternated A B A B;
# medians of wall time. The empty-input run measures vocabulary loading, which is subtracted to
# give tokenization throughput.
#
#   bench/compare_tokenize.sh /path/to/llama.cpp/build/bin/llama-tokenize [runs]
set -euo pipefail
llama_tokenize=${1:?usage: $0 LLAMA_TOKENIZE [RUNS]}
runs=${2:-7}
cd "$(dirname "$0")/.."
citadel=build/release/citadel
vocabs=${CITADEL_SHARED_DIR:-../shared}/reference/tokenizer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/release/citadel-gen-text --bytes 1048576 --seed 7 --out "$tmp/mixed.txt"
: > "$tmp/empty.txt"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

printf '%-10s %-8s %10s %10s %8s\n' vocab input citadel_s llama_s ratio
for vocab in qwen2 llama-spm; do
  model="$vocabs/ggml-vocab-$vocab.gguf"
  for input in empty mixed; do
    : > "$tmp/a"; : > "$tmp/b"
    for _ in $(seq "$runs"); do
      wall "$citadel" tokenize -m "$model" -f "$tmp/$input.txt" --no-bos >> "$tmp/a"
      wall "$llama_tokenize" -m "$model" -f "$tmp/$input.txt" --ids --log-disable --no-bos --no-parse-special >> "$tmp/b"
    done
    a=$(median < "$tmp/a"); b=$(median < "$tmp/b")
    printf '%-10s %-8s %10.3f %10.3f %8.2f\n' "$vocab" "$input" "$a" "$b" "$(echo "$a / $b" | bc -l)"
  done
  # Identical ids are part of the claim: a faster tokenizer that differs is wrong.
  if ! diff <("$citadel" tokenize -m "$model" -f "$tmp/mixed.txt" --no-bos | tr -d '[] ') \
            <("$llama_tokenize" -m "$model" -f "$tmp/mixed.txt" --ids --log-disable --no-bos --no-parse-special | tr -d '[] ') > /dev/null; then
    echo "$vocab: token ids DIFFER from llama.cpp"
  else
    echo "$vocab: token ids identical to llama.cpp"
  fi
done
