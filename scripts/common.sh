# Shared by the scripts in this folder: paths, logging, and idempotent installers.
# Each installer checks first and installs only what is missing, so a second run is quick.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE_DIR="$ROOT/target/site"
WASM_TARGET=wasm32-unknown-unknown

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The wasm-bindgen crate version locked in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
    step "installing the Rust $WASM_TARGET target"
    rustup target add "$WASM_TARGET"
  fi
}

ensure_wasm_bindgen() {
  local want have
  want="$(wasm_bindgen_version)"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    step "installing wasm-bindgen-cli $want (found: ${have:-none}); a few minutes, once"
    # Not --locked: its lock file names a webpki-roots version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    step "installing Chromium from Debian (for the end-to-end tests)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
}

ensure_npm_packages() {
  local dir="$ROOT/end2end"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
    || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "installing the end-to-end test packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}
