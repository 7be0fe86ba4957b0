#!/usr/bin/env bash
# Fuzzes the OCPP-J frame decoder and every OCPP 1.6 and 2.0.1 payload parser (protocol/fuzz) with
# cargo-fuzz (libFuzzer, nightly Rust) for SECONDS per target (default 60), and prints what each
# run did. A crash fails the run and leaves its input in protocol/fuzz/artifacts/.
#   scripts/fuzz.sh [SECONDS]
source "$(dirname "$0")/common.sh"
seconds="${1:-60}"

if ! rustup toolchain list | grep -q '^nightly'; then
  step "installing the nightly Rust toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz (once)"
  cargo install cargo-fuzz --locked
fi

cd "$ROOT/protocol/fuzz"
step "building the fuzz targets (nightly, optimised, with sanitizer coverage)"
cargo +nightly fuzz build -O
for target in frame payloads; do
  corpus="$TARGET_DIR/fuzz-corpus/$target"
  mkdir -p "$corpus"
  step "fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run -O "$target" "$corpus" "seeds/$target" -- \
    -max_total_time="$seconds" -dict=ocpp.dict -print_final_stats=1 -close_fd_mask=3 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|Done|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|thread .* panicked)|panicked' || true
  if [ -n "$(ls -A artifacts/"$target" 2>/dev/null)" ]; then
    echo "fuzzing $target found crashes: protocol/fuzz/artifacts/$target" >&2
    exit 1
  fi
  echo "corpus: $(find "$corpus" -type f | wc -l) inputs"
done
