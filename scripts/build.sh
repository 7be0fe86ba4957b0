#!/usr/bin/env bash
# Builds Centrale in debug: the browser bundle into target/site and the `centrale` binary.
#
#   1. frontend (wasm32)  -> target/wasm32-unknown-unknown/debug/frontend.wasm
#   2. wasm-bindgen       -> target/site/pkg/centrale.js + centrale_bg.wasm
#   3. style/, public/    -> target/site/pkg/centrale.css, target/site/*
#   4. server             -> target/debug/centrale, with target/site compiled in (it runs from
#                            any folder; --site-root serves files from the disk instead)
source "$(dirname "$0")/common.sh"
ensure_libssl
ensure_wasm_target
ensure_wasm_bindgen

step "building the dashboard for the browser (wasm32)"
cargo build --locked -p frontend --lib --target "$WASM_TARGET"
wasm="$TARGET_DIR/$WASM_TARGET/debug/frontend.wasm"
mkdir -p "$SITE_DIR/pkg"
if [ ! "$SITE_DIR/pkg/centrale_bg.wasm" -nt "$wasm" ]; then
  wasm-bindgen --target web --no-typescript --out-dir "$SITE_DIR/pkg" --out-name centrale "$wasm"
fi
cp style/main.css "$SITE_DIR/pkg/centrale.css"
cp -R public/. "$SITE_DIR/"

step "building the server (the dashboard's files compiled in)"
build_binaries
