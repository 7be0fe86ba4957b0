#!/usr/bin/env bash
# Builds and starts Centrale on its embedded default (sqlite://centrale.db in this folder).
# Flags are passed to `centrale` (see `target/debug/centrale --help`).
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/build.sh"
step "starting Centrale (Ctrl-C stops it)"
exec "$TARGET_DIR/debug/centrale" "$@"
