#!/usr/bin/env bash
# `make release`: one self-contained binary, target/release/centrale, with the dashboard's
# files compiled in (wasm optimised for size, script, CSS, favicon): it runs from any folder.
# Then it is started from an empty folder and its dashboard loaded, hydrated, in Chromium.
#
#   1. frontend (wasm32, profile wasm-release: opt-level z, LTO) -> wasm-bindgen, without the
#      name section (4.7 of its 8.3 MB) -> target/release-site
#   2. server (release, feature embed-site)    -> target/release/centrale
source "$(dirname "$0")/common.sh"
ensure_libssl
ensure_wasm_target
ensure_wasm_bindgen
site="$TARGET_DIR/release-site"

step "building the dashboard for the browser (wasm32, optimised for size)"
cargo build --locked -p frontend --lib --target "$WASM_TARGET" --profile wasm-release
rm -rf "$site"
mkdir -p "$site/pkg"
# No wasm-opt: Debian's binaryen (108) rewrites the table wasm-bindgen's externrefs live in, and
# the page no longer hydrates (its -Oz would save 7 % more).
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$site/pkg" --out-name centrale "$TARGET_DIR/$WASM_TARGET/wasm-release/frontend.wasm"
cp style/main.css "$site/pkg/centrale.css"
cp -R public/. "$site/"

step "building the server (release, the dashboard's files compiled in)"
CENTRALE_EMBED_SITE="$site" cargo build --locked --release -p server --bin centrale --features server/embed-site
bin="$TARGET_DIR/release/centrale"
# Symbols off (64 MB -> 38 MB); a panic's backtrace then shows addresses, its message stays.
strip "$bin"

step "checking it: from an empty folder, the dashboard hydrated in Chromium; the systemd unit"
ensure_chromium
ensure_npm_packages
ensure_systemd_analyze
verify_systemd_unit "$bin"
(cd end2end && CENTRALE_BIN="$bin" npx playwright test release.spec.ts)

wasm_kib=$(( $(stat -c %s "$site/pkg/centrale_bg.wasm") / 1024 ))
step "target/release/centrale: $(( $(stat -c %s "$bin") / 1024 / 1024 )) MiB, with the dashboard (wasm ${wasm_kib} KiB); copy it anywhere and run it"
