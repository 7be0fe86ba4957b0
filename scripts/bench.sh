#!/usr/bin/env bash
# Builds Centrale and the benchmark in release mode and runs `centrale-bench` (all nine
# scenarios, or those given: `make bench ARGS="--only 2,7"`). The server runs pinned to core 0,
# the load generator to the other cores. Scenarios 3 and 4 run on SQLite and on PostgreSQL: a
# throwaway cluster with durable commits, pinned to the last core (on two cores it shares it
# with the load generator), its CPU time counted apart. See BENCHMARKS.md for the latest figures.
source "$(dirname "$0")/common.sh"
ensure_npm_packages
ensure_postgres
ensure_haproxy
"$ROOT/scripts/build.sh"
step "building Centrale and centrale-bench in release mode (a few minutes the first time)"
cargo build --locked --release -p server -p bench --bin centrale --bin centrale-bench
ulimit -n "$(ulimit -Hn)"
cores="$(nproc)"
trap stop_test_postgres EXIT
PG_TEST_SETTINGS="" PG_TEST_PIN="$((cores - 1))" start_test_postgres
export CENTRALE_BENCH_POSTGRES="$CENTRALE_TEST_POSTGRES"
export CENTRALE_BENCH_POSTGRES_DATA="$PG_TEST_DIR/data"
if command -v taskset >/dev/null && [ "$cores" -gt 1 ]; then
  step "running the benchmark (load generator on cores 1-$((cores - 1)))"
  taskset -c "1-$((cores - 1))" "$TARGET_DIR/release/centrale-bench" --root "$ROOT" "$@"
else
  step "running the benchmark (no taskset or one core: nothing pinned)"
  "$TARGET_DIR/release/centrale-bench" --root "$ROOT" "$@"
fi
