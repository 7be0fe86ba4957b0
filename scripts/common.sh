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

# PostgreSQL's programs (initdb, pg_ctl) from Debian's package, newest version first.
pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

# The stations' TLS listener is built on Debian's OpenSSL (libssl, found with pkg-config); the
# tests use its `openssl` command as a TLS client too.
ensure_libssl() {
  if ! dpkg -s libssl-dev pkg-config >/dev/null 2>&1 || ! command -v openssl >/dev/null; then
    step "installing libssl-dev, pkg-config and openssl from Debian (the TLS listener)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev pkg-config openssl
  fi
}

# The metrics test checks the exposition with promtool, from Debian's prometheus package.
ensure_promtool() {
  if ! command -v promtool >/dev/null; then
    step "installing prometheus from Debian (promtool checks the metrics exposition)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus
  fi
}

# The cluster test puts three nodes behind HAProxy, from Debian's haproxy package (run as the
# test's own process: the package's service is not used).
ensure_haproxy() {
  if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
    step "installing haproxy from Debian (the cluster test's load balancer)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy
  fi
}

# The debug binaries: `centrale`, with the dashboard's files in target/site compiled in (it runs
# from any folder), and the simulator `centrale-sim`. `cargo test` builds `centrale` again
# without them (a package's tests get its binaries), so the tests call this again before the
# end-to-end tests; only the link is redone.
build_binaries() {
  CENTRALE_EMBED_SITE="$SITE_DIR" cargo build --locked -p server --bin centrale --features server/embed-site \
    -p simulator --bin centrale-sim
}

# A cold build and the tests need about 12 GB (the debug build, the test databases): says so
# before starting rather than failing halfway with a full disk.
check_free_disk() {
  local free_kb
  mkdir -p "$TARGET_DIR"
  free_kb="$(df -Pk "$TARGET_DIR" | awk 'NR == 2 { print $4 }')"
  if [ -n "$free_kb" ] && [ "$free_kb" -lt $((12 * 1024 * 1024)) ]; then
    echo "warning: only $((free_kb / 1024 / 1024)) GB free under $TARGET_DIR; a cold build and the tests need about 12 GB" >&2
  fi
}

ensure_systemd_analyze() {
  if ! command -v systemd-analyze >/dev/null; then
    step "installing systemd from Debian (systemd-analyze checks deploy/centrale.service)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd
  fi
}

# Checks the systemd unit in deploy/ with `systemd-analyze verify`, its ExecStart pointed at
# binary $1; any warning (an unknown key, a bad value) fails.
verify_systemd_unit() {
  local dir out
  dir="$(mktemp -d)"
  sed "s|^ExecStart=/usr/local/bin/centrale|ExecStart=$1|" "$ROOT/deploy/centrale.service" > "$dir/centrale.service"
  out="$(systemd-analyze verify "$dir/centrale.service" 2>&1)" || { echo "$out"; rm -rf "$dir"; return 1; }
  rm -rf "$dir"
  if [ -n "$out" ]; then echo "$out"; return 1; fi
}

ensure_postgres() {
  if ! command -v openssl >/dev/null; then
    step "installing openssl from Debian (a certificate for the test PostgreSQL)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl
  fi
  if [ -z "$(pg_bindir)" ] || [ ! -x "$(pg_bindir)/initdb" ]; then
    step "installing PostgreSQL from Debian (the tests run on PostgreSQL too)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  fi
}

# Starts a throwaway PostgreSQL cluster in a temporary folder on a free loopback port, as an
# unprivileged user (root cannot run postgres: as root, the `postgres` user Debian's package
# made runs it), and exports CENTRALE_TEST_POSTGRES, the URL of its superuser. The caller
# stops it with stop_test_postgres (e.g. in an EXIT trap). For the tests, fsync is off (a
# machine crash is not what they try; a killed Centrale or postgres loses nothing); the
# benchmark sets PG_TEST_SETTINGS="" for durable commits, and PG_TEST_PIN to a core.
start_test_postgres() {
  local bin port runas=() settings="${PG_TEST_SETTINGS--c fsync=off -c full_page_writes=off}"
  local pin=()
  bin="$(pg_bindir)"
  PG_TEST_DIR="$(mktemp -d /tmp/centrale-pg.XXXXXX)"
  if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
    chown postgres "$PG_TEST_DIR"
    runas=(runuser -u postgres --)
  fi
  if [ -n "${PG_TEST_PIN:-}" ] && command -v taskset >/dev/null; then
    pin=(taskset -c "$PG_TEST_PIN")
  fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # A self-signed certificate, so that the tests can reach it over TLS too (sslmode=require).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$PG_TEST_DIR/server.key" -out "$PG_TEST_DIR/server.crt" >/dev/null 2>&1
  chmod 600 "$PG_TEST_DIR/server.key"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_TEST_DIR/server.key" "$PG_TEST_DIR/server.crt"
  printf 'centrale-test-admin\n' > "$PG_TEST_DIR/pwfile"
  chmod 644 "$PG_TEST_DIR/pwfile"
  "${runas[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U centrale_test --pwfile="$PG_TEST_DIR/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_TEST_DIR/initdb.log" 2>&1 \
    || { cat "$PG_TEST_DIR/initdb.log"; return 1; }
  "${pin[@]}" "${runas[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 30 \
    -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 $settings -c max_connections=400 -c ssl=on -c ssl_cert_file=$PG_TEST_DIR/server.crt -c ssl_key_file=$PG_TEST_DIR/server.key" \
    start >/dev/null || { cat "$PG_TEST_DIR/server.log"; return 1; }
  PG_TEST_RUNAS=("${runas[@]}")
  export CENTRALE_TEST_POSTGRES="postgres://centrale_test:centrale-test-admin@127.0.0.1:$port/postgres"
  step "throwaway PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_TEST_DIR)"
}

# The end of the throwaway cluster's own log, and the disk it writes to: a suite failing
# everywhere at once on PostgreSQL is most often the server gone (a crash, a full disk).
print_test_postgres_log() {
  if [ -n "${PG_TEST_DIR:-}" ] && [ -f "$PG_TEST_DIR/server.log" ]; then
    step "the last lines of the test PostgreSQL's log ($PG_TEST_DIR/server.log)"
    tail -n 40 "$PG_TEST_DIR/server.log"
  fi
  df -h "$TARGET_DIR" /tmp 2>/dev/null || true
}

stop_test_postgres() {
  if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
    "${PG_TEST_RUNAS[@]}" "$(pg_bindir)/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
  fi
}
