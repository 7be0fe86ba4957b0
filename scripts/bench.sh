#!/usr/bin/env bash
# Builds Centrale and the benchmark in release mode and runs `centrale-bench` (all seven
# scenarios, or those given: `make bench ARGS="--only 2,7"`). The server runs pinned to core 0,
# the load generator to the other cores. See BENCHMARKS.md for the latest figures.
source "$(dirname "$0")/common.sh"
ensure_npm_packages
"$ROOT/scripts/build.sh"
step "building Centrale and centrale-bench in release mode (a few minutes the first time)"
cargo build --locked --release -p server -p bench --bin centrale --bin centrale-bench
ulimit -n "$(ulimit -Hn)"
cores="$(nproc)"
if command -v taskset >/dev/null && [ "$cores" -gt 1 ]; then
  step "running the benchmark (load generator on cores 1-$((cores - 1)))"
  exec taskset -c "1-$((cores - 1))" "$TARGET_DIR/release/centrale-bench" --root "$ROOT" "$@"
else
  step "running the benchmark (no taskset or one core: nothing pinned)"
  exec "$TARGET_DIR/release/centrale-bench" --root "$ROOT" "$@"
fi
