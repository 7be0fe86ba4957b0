#!/usr/bin/env bash
# Runs every check and test; exits non-zero on the first failure.
#   format, clippy (server side and wasm side separately), Rust tests, a short fuzzing run,
#   Playwright in Chromium.
source "$(dirname "$0")/common.sh"
ensure_chromium
ensure_npm_packages
ensure_postgres
ensure_promtool
ensure_haproxy
ensure_systemd_analyze
# The metrics test must run promtool, not skip it; the cluster test HAProxy.
export CENTRALE_REQUIRE_PROMTOOL=1
export CENTRALE_REQUIRE_HAPROXY=1
check_free_disk
"$ROOT/scripts/build.sh"

started=$SECONDS
step "cargo fmt --check"
cargo fmt --all -- --check

# Server and browser sides are linted apart: together, cargo would turn on both features of app.
step "clippy, server side"
cargo clippy --locked --workspace --exclude frontend --all-targets -- -D warnings
step "clippy, browser side (wasm32)"
cargo clippy --locked -p frontend --target "$WASM_TARGET" -- -D warnings

step "Rust tests (unit and integration), on SQLite"
CENTRALE_TEST_POSTGRES= cargo test --locked --workspace --exclude frontend

# The engine's and the server's integration tests again, on PostgreSQL: a throwaway cluster,
# unless CENTRALE_TEST_POSTGRES already names a server of the developer's own.
if [ -z "${CENTRALE_TEST_POSTGRES:-}" ]; then
  trap stop_test_postgres EXIT
  start_test_postgres
fi
step "Rust tests (engine and server integration), on PostgreSQL"
# When they fail, what PostgreSQL itself said (a crash, a full disk) is printed last.
cargo test --locked -p engine -p server || { print_test_postgres_log; exit 1; }

# A short fuzzing run of the frame decoder and the payload parsers (longer: `make fuzz`).
if rustup toolchain list | grep -q '^nightly'; then
  "$ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-20}"
else
  step "fuzzing skipped: no nightly Rust toolchain on this machine (cargo-fuzz needs one)"
fi

step "the systemd unit (deploy/centrale.service), checked by systemd-analyze verify"
verify_systemd_unit "$TARGET_DIR/debug/centrale"

step "the binaries again, the dashboard compiled in (cargo test built centrale without it)"
build_binaries

step "end-to-end tests (Playwright, Chromium)"
# A failure's message is printed again at the very end, where a reader of the log's tail sees
# it (the list reporter prints it above the attachments).
(cd end2end && CENTRALE_BIN="$TARGET_DIR/debug/centrale" CENTRALE_SIM_BIN="$TARGET_DIR/debug/centrale-sim" \
  CENTRALE_SITE_ROOT="$SITE_DIR" npx playwright test) || { node end2end/failures.mjs end2end/report.json; exit 1; }

step "all checks and tests passed in $((SECONDS - started)) s (after the build)"
