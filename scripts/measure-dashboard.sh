#!/usr/bin/env bash
# Measures the dashboard with a large fleet (`make measure-dashboard`): builds Centrale, the
# simulator and the browser bundle in release mode (the bundle into target/site-release), starts
# them with STATIONS (10 000) simulated stations, and prints the Stations page's time to first
# render and to hydration in Chromium and its main-thread time while events stream in. Figures
# only, nothing asserted; see BENCHMARKS.md for the latest.
source "$(dirname "$0")/common.sh"
ensure_libssl
ensure_wasm_target
ensure_wasm_bindgen
ensure_chromium
ensure_npm_packages

step "building the browser bundle in release mode"
cargo build --locked --release -p frontend --lib --target "$WASM_TARGET"
site="$TARGET_DIR/site-release"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name centrale \
  "$TARGET_DIR/$WASM_TARGET/release/frontend.wasm"
cp style/main.css "$site/pkg/centrale.css"
cp -R public/. "$site/"

step "building Centrale and the simulator in release mode"
cargo build --locked --release -p server --bin centrale -p simulator --bin centrale-sim

step "measuring the Stations page"
ulimit -n "$(ulimit -Hn)"
cd "$ROOT/end2end"
CENTRALE_BIN="$TARGET_DIR/release/centrale" CENTRALE_SIM_BIN="$TARGET_DIR/release/centrale-sim" \
  CENTRALE_SITE_ROOT="$site" node measure/stations-page.mjs
